/* The lists' filter forms, updated in place by htmx: the same GET request a plain
   form sends, without the empty fields, so that the address bar (pushed by htmx) shows
   a short link worth sharing. Without JavaScript the form is submitted as it is. */
function communsDropEmpty(event) {
  "use strict";
  var data = event.detail.formData;
  if (!data) {
    return;
  }
  Array.from(data.keys()).forEach(function (name) {
    if (data.getAll(name).every(function (value) { return value === ""; })) {
      data.delete(name);
    }
  });
}
