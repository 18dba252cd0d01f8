// Colour theme (Bootstrap 5.3 colour modes): light, dark, or "auto" (the device's
// prefers-color-scheme). The choice is the browser's own, kept in localStorage: no server
// round-trip, nothing about the person stored. Loaded in <head> without defer, so the page is
// painted in the right theme from the start (no flash of white in the dark).
(function () {
  "use strict";

  var KEY = "checkins-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : "auto";
    } catch (error) {
      // Storage refused (private mode, a strict setting): follow the device.
      return "auto";
    }
  }

  function resolved(choice) {
    if (choice === "light" || choice === "dark") {
      return choice;
    }
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function apply(choice) {
    var theme = resolved(choice);
    if (root.getAttribute("data-bs-theme") !== theme) {
      root.setAttribute("data-bs-theme", theme);
      // Charts (static/js/dashboard.js) redraw in the new colours.
      document.dispatchEvent(new CustomEvent("themechange", { detail: { theme: theme } }));
    }
  }

  function showChoice(choice) {
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-theme-choice") === choice ? "true" : "false");
    });
  }

  apply(stored());

  if (darkQuery) {
    var follow = function () {
      if (stored() === "auto") {
        apply("auto");
      }
    };
    if (darkQuery.addEventListener) {
      darkQuery.addEventListener("change", follow);
    } else if (darkQuery.addListener) {
      darkQuery.addListener(follow);
    }
  }

  // The switch in the navigation bar: hidden until this script can make it work.
  document.addEventListener("DOMContentLoaded", function () {
    var switcher = document.querySelector("[data-theme-switch]");
    if (!switcher) {
      return;
    }
    switcher.hidden = false;
    showChoice(stored());
    switcher.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.addEventListener("click", function () {
        var choice = button.getAttribute("data-theme-choice");
        try {
          if (choice === "auto") {
            window.localStorage.removeItem(KEY);
          } else {
            window.localStorage.setItem(KEY, choice);
          }
        } catch (error) {
          // Not remembered, but still applied to this page.
        }
        apply(choice);
        showChoice(choice);
      });
    });
  });
})();
