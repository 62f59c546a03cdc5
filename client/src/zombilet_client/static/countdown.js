// Recounts the order page's seconds left every second; at 0 swaps in the expired content
// and hides the forms. Without JavaScript the server shows the same on reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-countdown]");
  if (!box) {
    return;
  }
  var seconds = box.querySelector("[data-seconds]");
  var live = box.querySelector("[data-when-live]");
  var expired = box.querySelector("[data-when-expired]");
  var deadline = Date.now() + parseInt(box.getAttribute("data-seconds-left"), 10) * 1000;
  var timer = null;

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    seconds.textContent = String(left);
    if (left === 0) {
      live.hidden = true;
      expired.hidden = false;
      window.clearInterval(timer);
    }
  }

  timer = window.setInterval(tick, 1000);
})();
