/* clientflow: draw a BPMN version with bpmn-js and mark its elements.
 *
 * Every <div class="cf-diagram" data-xml-url=... data-highlight=... data-badges=...
 * data-heat=...> on the page is rendered once with the NavigatedViewer (see
 * templates/_diagram.html). The helpers are shared with the modeler page through
 * window.cfDiagram.
 */
(function () {
  "use strict";

  var KINDS = ["active", "completed", "errored", "current"];

  function parse(el, name) {
    try {
      return JSON.parse(el.getAttribute("data-" + name) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function known(registry, id) {
    return registry.get(id) !== undefined;
  }

  function highlight(viewer, map) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    Object.keys(map).forEach(function (id) {
      if (!known(registry, id)) return;
      [].concat(map[id]).forEach(function (kind) {
        if (KINDS.indexOf(kind) >= 0) canvas.addMarker(id, "cf-" + kind);
      });
    });
  }

  function badge(viewer, id, text, kind, title) {
    var registry = viewer.get("elementRegistry");
    if (!known(registry, id)) return null;
    var node = document.createElement("span");
    node.className = "cf-badge cf-badge-" + (KINDS.indexOf(kind) >= 0 ? kind : "info");
    node.textContent = String(text);
    node.setAttribute("data-element", id);
    if (title) node.title = title;
    return viewer.get("overlays").add(id, "cf", {
      position: { top: -12, right: 12 },
      html: node,
    });
  }

  function badges(viewer, map) {
    Object.keys(map).forEach(function (id) {
      var b = map[id] || {};
      badge(viewer, id, b.text, b.kind, b.title);
    });
  }

  /* 0 -> green, 1 -> red: hue 120 down to 0 */
  function heatColour(value) {
    var v = Math.max(0, Math.min(1, Number(value) || 0));
    return "hsl(" + Math.round(120 * (1 - v)) + ", 75%, 78%)";
  }

  function heat(viewer, map) {
    var registry = viewer.get("elementRegistry");
    Object.keys(map).forEach(function (id) {
      var gfx = registry.getGraphics(id);
      if (!gfx) return;
      var shape = gfx.querySelector(".djs-visual > rect, .djs-visual > circle, .djs-visual > polygon");
      if (shape) {
        shape.style.fill = heatColour(map[id]);
        gfx.classList.add("cf-heat");
        gfx.setAttribute("data-heat", String(map[id]));
      }
    });
  }

  function status(el, text, isError) {
    var p = el.querySelector(".cf-diagram-status");
    if (!p) return;
    p.textContent = text || "";
    p.hidden = !text;
    p.classList.toggle("error", !!isError);
  }

  function render(el) {
    if (el.getAttribute("data-rendered")) return;
    el.setAttribute("data-rendered", "pending");
    var viewer = new window.BpmnJS({ container: el });
    el.cfViewer = viewer;
    fetch(el.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("the diagram could not be loaded (" + r.status + ")");
        return r.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        highlight(viewer, parse(el, "highlight"));
        badges(viewer, parse(el, "badges"));
        heat(viewer, parse(el, "heat"));
        status(el, "");
        el.setAttribute("data-rendered", "done");
        el.dispatchEvent(new CustomEvent("cf:rendered", { bubbles: true }));
      })
      .catch(function (err) {
        status(el, err.message || String(err), true);
        el.setAttribute("data-rendered", "failed");
      });
  }

  function renderAll() {
    if (!window.BpmnJS) return;
    document.querySelectorAll(".cf-diagram[data-xml-url]").forEach(render);
  }

  window.cfDiagram = {
    highlight: highlight,
    badge: badge,
    badges: badges,
    heat: heat,
    heatColour: heatColour,
    renderAll: renderAll,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
