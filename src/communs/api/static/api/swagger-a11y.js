/* Swagger UI draws some form controls without a name and some scrolling code blocks out
   of reach of the keyboard (WCAG 2.1: 4.1.2 Name, Role, Value; 2.1.1 Keyboard). This
   names each control after its parameter and makes each block focusable, as soon as
   Swagger UI draws them: the observer runs before the browser paints. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root) { return; }

  function name(control, text) {
    text = (text || "").replace(/[:\s]+$/, "").trim();
    if (text && !control.hasAttribute("aria-label") && !(control.labels && control.labels.length)) {
      control.setAttribute("aria-label", text);
    }
  }

  function mend() {
    root.querySelectorAll("tr[data-param-name]").forEach(function (row) {
      row.querySelectorAll("select, input, textarea").forEach(function (control) {
        name(control, row.getAttribute("data-param-name"));
      });
    });
    root.querySelectorAll(".examples-select").forEach(function (box) {
      var caption = box.querySelector(".examples-select__section-label");
      box.querySelectorAll("select").forEach(function (control) {
        name(control, caption ? caption.textContent : "");
      });
    });
    root.querySelectorAll(".opblock-section-request-body").forEach(function (section) {
      var title = section.querySelector(".opblock-title");
      section.querySelectorAll("textarea, select").forEach(function (control) {
        name(control, title ? title.textContent : "");
      });
    });
    root.querySelectorAll("pre:not([tabindex])").forEach(function (block) {
      block.setAttribute("tabindex", "0");
    });
  }

  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
  mend();
})();
