// kefu help center: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Video cards load nothing until the reader presses play.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".kb-video-play");
    if (!button) return;
    var figure = button.closest(".kb-video");
    var src = figure && figure.getAttribute("data-video");
    if (!src || src.indexOf("https://") !== 0) return;
    var video = document.createElement("video");
    video.controls = true;
    video.autoplay = true;
    video.preload = "auto";
    video.src = src;
    var title = figure.querySelector(".kb-video-title");
    if (title) video.setAttribute("aria-label", title.textContent);
    figure.classList.add("is-playing");
    button.replaceWith(video);
    video.focus();
  });

  // Close the language menu on Escape or a click elsewhere.
  var menu = document.querySelector(".lang-switch");
  if (menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // "/" focuses search, as on most help centers.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey) return;
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA") return;
    var box = document.querySelector("#q, #header-q");
    if (box && box.offsetParent !== null) {
      event.preventDefault();
      box.focus();
    }
  });
})();
