// Anonymous feedback pages: who will read it, copying the follow-up code, and no double sends.
// Plain script of our own (no library, no CDN); every page works without it.
(function () {
  "use strict";

  // Writing: say who will read the feedback as soon as a team is chosen. Each team's <option>
  // carries data-destination ("managers" or "admins") and, for the admins, data-reason. The
  // hidden shown_destination field tells the server what the page said, so it asks for a
  // confirmation only when that differs from where the feedback really goes.
  var select = document.querySelector("[data-feedback-team]");
  if (select) {
    var shown = select.form.querySelector("input[name='shown_destination']");
    var showOnly = function (selector, attribute, value) {
      document.querySelectorAll(selector).forEach(function (element) {
        element.hidden = element.getAttribute(attribute) !== value;
      });
    };
    var update = function () {
      var option = select.options[select.selectedIndex];
      var destination = (option && option.getAttribute("data-destination")) || "";
      var reason = (option && option.getAttribute("data-reason")) || "";
      showOnly("[data-destination-note]", "data-destination-note", destination);
      showOnly("[data-destination-reason]", "data-destination-reason", reason);
      document.querySelectorAll("[data-team-name]").forEach(function (element) {
        element.textContent = destination ? option.text : "";
      });
      if (shown) {
        shown.value = destination;
      }
    };
    select.addEventListener("change", update);
    update();
  }

  // The follow-up code: a copy button (hidden until this script shows it).
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    var selectCode = function () {
      var range = document.createRange();
      range.selectNodeContents(target);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    };
    var fallback = function () {
      selectCode();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      say(copied ? "Copied." : "Selected: press Ctrl+C (or ⌘+C) to copy it.");
    };
    button.hidden = false;
    button.addEventListener("click", function () {
      var code = target.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code).then(function () {
          say("Copied.");
        }, fallback);
      } else {
        fallback();
      }
    });
  });

  // A second click on "Send" while the first is on its way would send it twice. Disabled
  // after the browser has gathered the form's data, so the button's own value still goes.
  document.querySelectorAll("form[data-send-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type='submit']").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  });
  // Coming back with the Back button shows the page as it was left: usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-send-once] button[type='submit']").forEach(function (button) {
      button.disabled = false;
    });
  });
})();
