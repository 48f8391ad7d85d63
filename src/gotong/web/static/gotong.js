// Gotong's own script. Every page works without it; it only makes pages kinder:
// - times are shown in the reader's own time zone (the UTC instant stays in the title);
// - the error summary or a one-time notice takes the focus, so a screen reader announces it.
(function () {
  "use strict";
  function localTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    var times = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) { times[i].textContent = format.format(when); }
    }
  }
  function focusFirstMessage() {
    var target = document.querySelector("[data-focus]");
    if (target) { target.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(); focusFirstMessage(); });
})();
