/* clientflow modeler: a small properties panel for what the engine reads.
 *
 * Name, the script of a script task, the condition of a sequence flow, the
 * spiffworkflow task properties (form, assignee, dueIn, priority, ...),
 * pre/post scripts and a service task's operator. bpmn-js keeps the
 * spiffworkflow extension elements as generic ("any") elements; we edit those
 * in place, so everything else in the file round-trips untouched.
 */
(function () {
  "use strict";

  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "value") node.value = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function field(label, input) {
    return el("label", { class: "cf-prop" }, [el("span", { text: label }), input]);
  }

  function attach(modeler, panel, t) {
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");
    var eventBus = modeler.get("eventBus");

    function values(bo) {
      return (bo.extensionElements && bo.extensionElements.values) || [];
    }

    function generic(bo, type, create) {
      var found = values(bo).filter(function (v) { return v.$type === type; })[0];
      if (found || !create) return found;
      var ext = bo.extensionElements;
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        bo.extensionElements = ext;
      }
      found = moddle.createAny(type, SPIFF, {});
      found.$parent = ext;
      ext.get("values").push(found);
      return found;
    }

    function properties(element) {
      var bo = element.businessObject;
      var holder = generic(bo, "spiffworkflow:properties", false);
      var rows = el("tbody", {}, []);
      ((holder && holder.$children) || []).forEach(function (prop, index) {
        var name = el("input", { value: prop.name || "", "data-prop-name": index });
        var value = el("input", { value: prop.value || "", "data-prop-value": prop.name || index });
        var drop = el("button", { type: "button", text: "×", title: t.remove });
        name.addEventListener("change", function () { prop.name = name.value; });
        value.addEventListener("change", function () { prop.value = value.value; });
        drop.addEventListener("click", function () {
          holder.$children.splice(holder.$children.indexOf(prop), 1);
          render(element);
        });
        rows.appendChild(el("tr", {}, [el("td", {}, [name]), el("td", {}, [value]), el("td", {}, [drop])]));
      });
      var add = el("button", { type: "button", id: "prop-add", text: t.addProperty });
      add.addEventListener("click", function () {
        var h = generic(bo, "spiffworkflow:properties", true);
        h.$children = h.$children || [];
        var prop = moddle.createAny("spiffworkflow:property", SPIFF, { name: "", value: "" });
        prop.$parent = h;
        h.$children.push(prop);
        render(element);
      });
      return el("fieldset", {}, [el("legend", { text: t.properties }),
        el("table", { class: "cf-prop-table" }, [rows]), add]);
    }

    function bodyField(element, type, label) {
      var bo = element.businessObject;
      var node = generic(bo, type, false);
      var area = el("textarea", { rows: 3, "data-field": type, value: node ? node.$body || "" : "" });
      area.addEventListener("change", function () {
        generic(bo, type, true).$body = area.value;
      });
      return field(label, area);
    }

    function render(element) {
      panel.innerHTML = "";
      if (!element || element.type === "label") {
        panel.appendChild(el("p", { class: "muted", text: t.select }));
        return;
      }
      var bo = element.businessObject;
      panel.appendChild(el("h3", { text: bo.$type.replace("bpmn:", "") }));
      panel.appendChild(field("id", el("input", { value: bo.id, readonly: "readonly", id: "prop-id" })));
      var name = el("input", { value: bo.name || "", id: "prop-name" });
      name.addEventListener("change", function () { modeling.updateLabel(element, name.value); });
      panel.appendChild(field(t.name, name));
      if (bo.$type === "bpmn:ScriptTask") {
        var script = el("textarea", { rows: 6, id: "prop-script", value: bo.script || "" });
        script.addEventListener("change", function () {
          modeling.updateProperties(element, { script: script.value });
        });
        panel.appendChild(field(t.script, script));
      }
      if (bo.$type === "bpmn:SequenceFlow") {
        var cond = el("textarea", { rows: 2, id: "prop-condition",
          value: bo.conditionExpression ? bo.conditionExpression.body || "" : "" });
        cond.addEventListener("change", function () {
          modeling.updateProperties(element, { conditionExpression: cond.value.trim()
            ? moddle.create("bpmn:FormalExpression", { body: cond.value }) : undefined });
        });
        panel.appendChild(field(t.condition, cond));
        return;
      }
      if (bo.$type === "bpmn:ServiceTask") {
        var op = generic(bo, "spiffworkflow:serviceTaskOperator", false);
        var opInput = el("input", { id: "prop-operator", value: op ? op.id || "" : "" });
        opInput.addEventListener("change", function () {
          generic(bo, "spiffworkflow:serviceTaskOperator", true).id = opInput.value;
        });
        panel.appendChild(field(t.operator, opInput));
      }
      if (/Task$|Activity$|SubProcess$|Event$/.test(bo.$type)) {
        panel.appendChild(properties(element));
        panel.appendChild(bodyField(element, "spiffworkflow:preScript", t.preScript));
        panel.appendChild(bodyField(element, "spiffworkflow:postScript", t.postScript));
      }
    }

    eventBus.on("selection.changed", function (e) {
      render(e.newSelection.length === 1 ? e.newSelection[0] : null);
    });
    render(null);
  }

  window.cfProperties = { attach: attach };
})();
