/*
 * Drafts of the check-in, kept in this browser's localStorage while someone types, so a session
 * that expired or a tab that closed loses nothing. Nothing is sent anywhere: the draft stays on
 * the device until the check-in is saved.
 *
 * A draft remembers the version of the check-in it was typed over (data-saved-version). When
 * the page shows a newer version, the draft was saved (or another tab saved over it, which the
 * server's conflict handling shows): it is dropped. Otherwise it is put back into the form,
 * unless the server is already showing what was typed (a form with errors, data-bound).
 */
(function () {
  "use strict";

  var form = document.querySelector("form.checkin-form[data-draft-key]");
  var storage;
  try {
    storage = window.localStorage;
  } catch (error) {
    return;
  }
  if (!form || !storage) {
    return;
  }
  var key = form.getAttribute("data-draft-key");
  var saved = parseInt(form.getAttribute("data-saved-version") || "0", 10);
  var note = form.querySelector(".draft-note");
  var TWO_WEEKS = 14 * 24 * 3600 * 1000;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.type !== "hidden" && element.type !== "submit";
    });
  }

  function values() {
    var data = {};
    fields().forEach(function (element) {
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.checked) {
          data[element.name] = element.value;
        }
      } else {
        data[element.name] = element.value;
      }
    });
    return data;
  }

  function store() {
    try {
      storage.setItem(key, JSON.stringify({ version: saved, at: Date.now(), values: values() }));
      if (note) {
        note.hidden = false;
      }
    } catch (error) {
      // Storage full or refused: the form still works, only without a draft.
    }
  }

  function restore(draft) {
    fields().forEach(function (element) {
      if (!(element.name in draft.values)) {
        return;
      }
      var value = draft.values[element.name];
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = element.value === value;
      } else {
        element.value = value;
      }
    });
    if (note) {
      note.hidden = false;
    }
  }

  var draft = null;
  try {
    draft = JSON.parse(storage.getItem(key) || "null");
  } catch (error) {
    draft = null;
  }
  if (draft && (draft.version < saved || Date.now() - draft.at > TWO_WEEKS || !draft.values)) {
    storage.removeItem(key);
  } else if (draft && form.getAttribute("data-bound") !== "true") {
    restore(draft);
  }
  form.addEventListener("input", store);
  form.addEventListener("change", store);
})();
