// The questionnaire's fill page: the autosave status, the warning before the login expires, and what the
// page does once it has expired. The form itself autosaves through its hx-post/hx-trigger attributes.
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form[data-autosave-form]");
    var watch = document.getElementById("session-watch");
    var status = document.getElementById("autosave-status");
    if (!form || !watch || !status) {
      return;
    }
    var lifetime = parseInt(watch.getAttribute("data-session-age"), 10) * 1000;
    var lead = parseInt(watch.getAttribute("data-session-warning"), 10) * 1000;
    var warningBox = watch.querySelector("[data-session-warning-box]");
    var expiredBox = watch.querySelector("[data-session-expired-box]");
    var remaining = watch.querySelector("[data-session-remaining]");
    var cookieName = watch.getAttribute("data-csrf-cookie") || "csrftoken";
    if (!(lifetime > 0)) {
      return;
    }
    // The server renews the session on every request (SESSION_SAVE_EVERY_REQUEST): the page's own
    // requests move the end forward; nothing else the page does can.
    var endsAt = Date.now() + lifetime;
    var expired = false;

    function csrfToken() {
      // Read at request time: a login in another tab rotates the token this page was rendered with.
      var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + cookieName + "=([^;]+)"));
      if (match) {
        return decodeURIComponent(match[1]);
      }
      var field = form.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    function setStatus(text, failed) {
      status.textContent = text;
      status.classList.toggle("failed", Boolean(failed));
    }

    function renewed() {
      endsAt = Date.now() + lifetime;
      expired = false;
      warningBox.hidden = true;
      expiredBox.hidden = true;
    }

    function showExpired() {
      expired = true;
      warningBox.hidden = true;
      expiredBox.hidden = false;
    }

    function clock(ms) {
      var seconds = Math.max(0, Math.ceil(ms / 1000));
      var s = seconds % 60;
      return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
    }

    function tick() {
      var left = endsAt - Date.now();
      if (left <= 0) {
        if (!expired) {
          showExpired();
        }
        return;
      }
      if (left <= lead) {
        remaining.textContent = clock(left);
        warningBox.hidden = false;
      } else {
        warningBox.hidden = true;
      }
    }

    form.addEventListener("htmx:configRequest", function (event) {
      var token = csrfToken();
      if (token) {
        event.detail.headers["X-CSRFToken"] = token;
      }
    });
    form.addEventListener("htmx:beforeRequest", function () {
      setStatus(status.getAttribute("data-msg-saving"), false);
    });
    form.addEventListener("htmx:beforeSwap", function (event) {
      var code = event.detail.xhr.status;
      if (code === 409) {
        // The questionnaire may no longer be changed: the server says why.
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      } else if (code === 401) {
        // The login has expired; the server kept the posted answers for the next login.
        event.detail.shouldSwap = false;
        event.detail.isError = false;
      }
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      var code = event.detail.xhr ? event.detail.xhr.status : 0;
      if (code === 401) {
        setStatus(status.getAttribute("data-msg-expired"), true);
        showExpired();
      } else if (code === 403 || code === 404) {
        renewed();
        setStatus(status.getAttribute("data-msg-foreign"), true);
      } else if (code >= 200 && code < 300 || code === 409) {
        renewed();
        status.classList.remove("failed");
      } else {
        if (code) {
          renewed();
        }
        setStatus(status.getAttribute("data-msg-failed"), true);
      }
    });
    form.addEventListener("submit", function () {
      var field = form.querySelector("input[name=csrfmiddlewaretoken]");
      var token = csrfToken();
      if (field && token) {
        field.value = token;
      }
    });

    watch.querySelector("[data-keepalive]").addEventListener("click", function () {
      fetch(watch.getAttribute("data-keepalive-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"},
      }).then(function (response) {
        if (response.status === 401) {
          showExpired();
        } else if (response.ok) {
          renewed();
        }
      }).catch(function () {
        setStatus(status.getAttribute("data-msg-failed"), true);
      });
    });

    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
