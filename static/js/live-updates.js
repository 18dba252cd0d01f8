// After htmx replaces part of a page: focus is never lost, and the change is announced.
//
// - Focus: when the element that had focus was inside the part replaced (a "Save" or
//   "Acknowledge" button that is gone now), focus moves to the first field the answer marks
//   invalid, else to the element with the same id as before, else to the new part itself
//   (made focusable with tabindex="-1"), so a keyboard or screen-reader user carries on from
//   where they were instead of from the top of the page.
// - Announcement: a part that lands inside a live region of the page (aria-live) is read out by
//   the browser already. Otherwise the new part's `data-announce` text, or the text of its
//   role="status" element, or (for a part that is itself a live region, which a screen reader
//   does not announce when it is replaced whole) its own text, goes to the page's one polite
//   live region (#live-region in base.html). Errors come with role="alert" and speak for
//   themselves.
// Nothing here runs on a page without htmx: these events only come from htmx.
(function () {
  "use strict";

  var pending = null;

  function words(element) {
    return (element.textContent || "").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) {
      return;
    }
    // Emptied first, so the same words said twice in a row are read twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // Where the focus was when the request left: before htmx disables the button that sent it
  // (hx-disabled-elt), which takes the focus away from it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    pending = null;
    if (target && target.id) {
      pending = {
        targetId: target.id,
        focusInside: Boolean(active && active !== document.body && target.contains(active)),
        activeId: active && active.id,
      };
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) {
      return;
    }
    var swapped = document.getElementById(pending.targetId);
    var state = pending;
    pending = null;
    if (!swapped) {
      return;
    }
    if (state.focusInside && focusLost()) {
      var next =
        swapped.querySelector("[aria-invalid='true']") ||
        (state.activeId && document.getElementById(state.activeId)) ||
        swapped;
      if (next === swapped && !swapped.hasAttribute("tabindex")) {
        swapped.setAttribute("tabindex", "-1");
      }
      next.focus();
    }
    var liveAncestor = swapped.parentElement && swapped.parentElement.closest("[aria-live]");
    if (liveAncestor) {
      return;
    }
    var status = swapped.querySelector("[role='status']");
    if (swapped.hasAttribute("data-announce")) {
      announce(swapped.getAttribute("data-announce"));
    } else if (status) {
      announce(words(status));
    } else if (swapped.hasAttribute("aria-live")) {
      announce(words(swapped));
    }
  });
})();
