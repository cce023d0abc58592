// Repeated rows (e.g. quote lines): "Add a row" clones the fieldset's <template>
// with a fresh index; "Remove" drops a row. The server renumbers rows on submit.
(function () {
  "use strict";
  function nextIndex(fieldset) {
    var max = -1;
    fieldset.querySelectorAll("tbody [name]").forEach(function (input) {
      var parts = input.name.split("-");
      var index = Number(parts[parts.length - 2]);
      if (!isNaN(index) && index > max) { max = index; }
    });
    return max + 1;
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList.contains("add-row")) {
      var fieldset = target.closest("fieldset.rows");
      var template = fieldset.querySelector("template");
      var index = String(nextIndex(fieldset));
      var html = template.innerHTML.split("__index__").join(index);
      fieldset.querySelector("tbody").insertAdjacentHTML("beforeend", html);
    } else if (target.classList.contains("remove-row")) {
      target.closest("tr").remove();
    }
  });
})();
