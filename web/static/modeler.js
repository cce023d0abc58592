/* clientflow modeler: BPMN in bpmn-js, DMN in dmn-js, forms as JSON text.
 *
 * The page holds the whole bundle of the version being edited; switching files
 * keeps the edits. Validate and Deploy post every file as JSON; problems come
 * back with element ids and are marked on the diagram.
 */
(function () {
  "use strict";

  var config = document.getElementById("modeler-config").dataset;
  var files = JSON.parse(document.getElementById("bundle-files").textContent);
  var container = document.getElementById("editor");
  var jsonEditor = document.getElementById("json-editor");
  var select = document.getElementById("file-select");
  var statusEl = document.getElementById("status");
  var problemsEl = document.getElementById("problems");
  var panel = document.getElementById("properties");
  var viewSelect = document.getElementById("dmn-view");
  var viewLabel = viewSelect.parentNode;
  var labels = {
    select: config.tSelect, name: config.tName, script: config.tScript,
    condition: config.tCondition, operator: config.tOperator, properties: config.tProperties,
    addProperty: config.tAddProperty, remove: config.tRemove, preScript: config.tPreScript,
    postScript: config.tPostScript,
  };
  var state = { name: null, kind: null, editor: null, problems: [] };

  function kindOf(name) {
    if (/\.bpmn$/.test(name)) return "bpmn";
    if (/\.dmn$/.test(name)) return "dmn";
    return "json";
  }

  function say(text, ok) {
    statusEl.textContent = text || "";
    statusEl.className = ok === false ? "cf-problems" : ok ? "cf-ok" : "";
  }

  /* the current editor's content back into `files` */
  function saveCurrent() {
    if (!state.name) return Promise.resolve();
    if (state.kind === "json") {
      files[state.name] = jsonEditor.value;
      return Promise.resolve();
    }
    return state.editor.saveXML({ format: true }).then(function (result) {
      files[state.name] = result.xml;
    });
  }

  function destroyEditor() {
    if (state.editor) state.editor.destroy();
    state.editor = null;
    container.innerHTML = "";
  }

  function open(name) {
    return saveCurrent().then(function () {
      destroyEditor();
      state.name = name;
      state.kind = kindOf(name);
      var isJson = state.kind === "json";
      container.hidden = isJson;
      jsonEditor.hidden = !isJson;
      panel.hidden = state.kind !== "bpmn";
      viewLabel.hidden = true;
      panel.innerHTML = "";
      if (isJson) {
        jsonEditor.value = files[name];
        return null;
      }
      var Editor = state.kind === "bpmn" ? window.CfBpmnModeler : window.DmnJS;
      state.editor = new Editor({ container: container });
      return state.editor.importXML(files[name]).then(function () {
        if (state.kind === "bpmn") {
          keepLoopRefs(state.editor, files[name]);
          state.editor.get("canvas").zoom("fit-viewport", "auto");
          window.cfProperties.attach(state.editor, panel, labels);
          markProblems();
        } else {
          showDecisionViews();
        }
      });
    }).catch(function (err) {
      say(String(err.message || err), false);
    });
  }

  /* SpiffWorkflow names a multi-instance task's collections after task-data variables
     (<loopDataInputRef>items</loopDataInputRef>). bpmn-js reads them as references to
     elements, finds none and would drop them on save, so the task could not be deployed
     again. Point each at a stand-in of that id: it saves as the same name, and is not
     saved itself. */
  function keepLoopRefs(editor, xml) {
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    var registry = editor.get("elementRegistry");
    var moddle = editor.get("moddle");
    ["loopDataInputRef", "loopDataOutputRef"].forEach(function (tag) {
      var nodes = doc.getElementsByTagNameNS("http://www.omg.org/spec/BPMN/20100524/MODEL", tag);
      Array.prototype.forEach.call(nodes, function (node) {
        var activity = node.parentNode && node.parentNode.parentNode;
        var shape = activity && registry.get(activity.getAttribute("id"));
        var loop = shape && shape.businessObject.loopCharacteristics;
        var ref = node.textContent.trim();
        if (loop && ref && !loop.get(tag)) {
          loop.set(tag, moddle.create("bpmn:Property", { id: ref, name: ref }));
        }
      });
    });
  }

  /* DMN files often carry no drawing (DRD): open the first decision table instead,
     and offer every view of the file in a list */
  function showDecisionViews() {
    var editor = state.editor;
    var views = editor.getViews();
    var first = views.filter(function (v) { return v.type === "decisionTable"; })[0];
    if (first) editor.open(first);
    viewSelect.innerHTML = "";
    views.forEach(function (v, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = (v.name || v.id) + " (" + v.type + ")";
      option.selected = v === (first || views[0]);
      viewSelect.appendChild(option);
    });
    viewLabel.hidden = views.length < 2;
  }

  function clearMarks() {
    if (state.kind !== "bpmn" || !state.editor) return;
    var canvas = state.editor.get("canvas");
    var registry = state.editor.get("elementRegistry");
    state.editor.get("overlays").remove({ type: "cf" });
    registry.forEach(function (el) { canvas.removeMarker(el.id, "cf-errored"); });
  }

  function markProblems() {
    clearMarks();
    if (state.kind !== "bpmn" || !state.editor) return;
    var registry = state.editor.get("elementRegistry");
    state.problems.forEach(function (p) {
      if (!p.element_id || (p.file && p.file !== state.name)) return;
      if (!registry.get(p.element_id)) return;
      state.editor.get("canvas").addMarker(p.element_id, "cf-errored");
      window.cfDiagram.badge(state.editor, p.element_id, "!", "errored", p.message);
    });
  }

  function showProblems(problems) {
    state.problems = problems || [];
    problemsEl.innerHTML = "";
    state.problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.text || p.message;
      if (p.element_id) li.setAttribute("data-element", p.element_id);
      if (p.file) li.setAttribute("data-file", p.file);
      problemsEl.appendChild(li);
    });
    markProblems();
  }

  function post(url) {
    say(config.msgWorking);
    return saveCurrent().then(function () {
      var token = document.querySelector('meta[name="csrf-token"]');
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": token ? token.content : "",
        },
        body: JSON.stringify({ files: files }),
      });
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      }, function () {
        return { status: response.status, body: { ok: false, problems: [{ message: "HTTP " + response.status }] } };
      });
    });
  }

  function validate() {
    return post(config.validateUrl).then(function (r) {
      if (r.body.ok) {
        showProblems([]);
        say(config.msgValid, true);
      } else {
        showProblems(r.body.problems || [{ message: r.body.message || "HTTP " + r.status }]);
        say("", false);
      }
      return r;
    });
  }

  function deploy() {
    return post(config.deployUrl).then(function (r) {
      if (r.body.ok) {
        showProblems([]);
        var msg = r.body.created ? config.msgDeployed : config.msgUnchanged;
        statusEl.innerHTML = "";
        var link = document.createElement("a");
        link.href = r.body.url;
        link.id = "deployed-version";
        link.setAttribute("data-version", r.body.version);
        link.textContent = msg + " " + r.body.version;
        statusEl.appendChild(link);
        statusEl.className = "cf-ok";
      } else {
        showProblems(r.body.problems || [{ message: r.body.message || "HTTP " + r.status }]);
        say("", false);
      }
      return r;
    });
  }

  select.addEventListener("change", function () { open(select.value); });
  viewSelect.addEventListener("change", function () {
    state.editor.open(state.editor.getViews()[Number(viewSelect.value)]);
  });
  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("deploy").addEventListener("click", deploy);
  problemsEl.addEventListener("click", function (event) {
    var li = event.target.closest("li[data-file]");
    if (li && li.dataset.file !== state.name && files[li.dataset.file] !== undefined) {
      select.value = li.dataset.file;
      open(li.dataset.file);
    }
  });

  window.cfModeler = {
    files: files,
    state: state,
    open: open,
    save: saveCurrent,
    validate: validate,
    deploy: deploy,
    ready: open(config.mainFile),
  };
})();
