/* The exercise picture's editor in the admin: a slider per angle of the start and end poses,
   kept in step with the JSON text, and a live preview drawn by the server (the same code and
   rules as the catalogue file). */
(function () {
  "use strict";
  const LABELS = { trunk: "Trunk", neck: "Neck", hip: "Hip", knee: "Knee", ankle: "Ankle",
    shoulder: "Shoulder", elbow: "Elbow" };
  const LIMBS = ["hip", "knee", "ankle", "shoulder", "elbow"];

  // one line per pose and per prop, as the server shows it (exercises.illustration.formatted)
  function format(data) {
    const lines = Object.entries(data).map(([key, value]) => {
      if (key === "props" && Array.isArray(value) && value.length) {
        return ' "props": [\n  ' + value.map((p) => JSON.stringify(p)).join(",\n  ") + "\n ]";
      }
      return " " + JSON.stringify(key) + ": " + JSON.stringify(value);
    });
    return "{\n" + lines.join(",\n") + "\n}";
  }

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setup(editor) {
    const ranges = JSON.parse(editor.dataset.ranges);
    const textarea = editor.querySelector("textarea");
    const sliders = editor.querySelector("[data-sliders]");
    const still = editor.querySelector("[data-still]");
    const animation = editor.querySelector("[data-animation]");
    const problems = editor.querySelector("[data-problems]");
    let timer = null;
    let request = 0;

    function read() {
      try { return { data: textarea.value.trim() ? JSON.parse(textarea.value) : null }; }
      catch (error) { return { error: "The text is not valid JSON: " + error.message }; }
    }

    function showProblems(lines) {
      problems.replaceChildren(...lines.map((line) => {
        const li = document.createElement("li");
        li.textContent = line;
        return li;
      }));
      problems.hidden = lines.length === 0;
      editor.classList.toggle("is-stale", lines.length > 0);  // the drawing is the last good one
    }

    function preview() {
      const parsed = read();
      if (parsed.error) { showProblems([parsed.error]); return; }
      if (!parsed.data) { still.replaceChildren(); animation.replaceChildren(); showProblems([]); return; }
      const mine = ++request;
      fetch(editor.dataset.previewUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(parsed.data),
      }).then((response) => response.json().then((body) => ({ ok: response.ok, body })))
        .then(({ ok, body }) => {
          if (mine !== request) return;  // a newer edit is on its way
          if (!ok) { showProblems(body.problems || ["The preview failed."]); return; }
          showProblems([]);
          still.innerHTML = body.still;
          animation.innerHTML = body.animation;
        })
        .catch(() => { if (mine === request) showProblems(["The preview could not be reached."]); });
    }

    function schedule() { clearTimeout(timer); timer = setTimeout(preview, 150); }

    function slider(poseName, joint, side, value) {
      const [low, high] = ranges[joint];
      const label = document.createElement("label");
      const name = document.createElement("span");
      name.textContent = LABELS[joint] + (side === null ? "" : side === 0 ? " (near)" : " (far)");
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: low, max: high, step: 1, value: value });
      input.dataset.pose = poseName;
      input.dataset.joint = joint;
      if (side !== null) input.dataset.side = side;
      input.setAttribute("aria-label", poseName + " " + name.textContent);
      const out = document.createElement("output");
      out.textContent = value + "°";
      input.addEventListener("input", () => {
        out.textContent = input.value + "°";
        const parsed = read();
        if (!parsed.data) return;
        const pose = parsed.data[poseName] = parsed.data[poseName] || {};
        const number = Number(input.value);
        if (side === null) pose[joint] = number;
        else {
          const current = pose[joint];
          const pair = Array.isArray(current) ? current.slice() : [current ?? 0, current ?? 0];
          pair[side] = number;
          pose[joint] = pair[0] === pair[1] ? pair[0] : pair;
        }
        textarea.value = format(parsed.data);
        schedule();
      });
      label.append(name, input, out);
      return label;
    }

    function build() {
      const parsed = read();
      if (parsed.error) return;  // keep the sliders while the text is being fixed
      if (!parsed.data) {
        const start = document.createElement("button");
        start.type = "button";
        start.className = "button";
        start.textContent = "Start a drawing (a standing figure)";
        start.addEventListener("click", () => {
          textarea.value = format({ start: { trunk: 90 }, end: { trunk: 90, hip: [90, 0] } });
          build();
          preview();
        });
        sliders.replaceChildren(start);
        return;
      }
      const sets = ["start", "end"].map((poseName) => {
        const pose = parsed.data[poseName] || {};
        const set = document.createElement("fieldset");
        const legend = document.createElement("legend");
        legend.textContent = poseName === "start" ? "Start position" : "End position";
        set.append(legend);
        set.append(slider(poseName, "trunk", null, pose.trunk ?? 90));
        set.append(slider(poseName, "neck", null, pose.neck ?? 0));
        for (const joint of LIMBS) {
          const value = pose[joint] ?? 0;
          const pair = Array.isArray(value) ? value : [value, value];
          set.append(slider(poseName, joint, 0, pair[0]), slider(poseName, joint, 1, pair[1]));
        }
        return set;
      });
      sliders.replaceChildren(...sets);
    }

    textarea.addEventListener("input", () => { build(); schedule(); });
    build();
    preview();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".illustration-editor").forEach(setup);
  });
})();
