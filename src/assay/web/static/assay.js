/* Assay's progressive enhancement: every page works without this file; with it, the report tree
   expands in place, uploads take dropped files, tabs switch, commands copy, and charts draw. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // A fragment fetch that lands on the sign-in page means the session ended: go there.
  async function fetchFragment(url) {
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}});
    if (response.redirected && new URL(response.url).pathname === "/login") {
      window.location.assign(response.url);
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error("the server answered " + response.status);
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    return doc.body;
  }

  // --- The report tree ---------------------------------------------------------------------------
  async function toggle(button, open) {
    const kids = document.getElementById(button.getAttribute("aria-controls"));
    const expanded = button.getAttribute("aria-expanded") === "true";
    if (open === undefined) open = !expanded;
    if (open === expanded) return;
    if (open && !kids.dataset.loaded) {
      button.disabled = true;
      kids.hidden = false;
      kids.innerHTML = '<p class="muted small" role="status">Loading…</p>';
      try {
        const body = await fetchFragment(button.dataset.src);
        kids.replaceChildren(...body.childNodes);
        kids.dataset.loaded = "1";
        enhance(kids);
      } catch (error) {
        kids.innerHTML = "";
        const p = document.createElement("p");
        p.className = "error small";
        p.textContent = "Could not load: " + error.message;
        kids.append(p);
      } finally {
        button.disabled = false;
      }
    }
    kids.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  }

  async function more(link) {
    const item = link.closest("li.more");
    link.textContent = "Loading…";
    try {
      const body = await fetchFragment(link.dataset.more);
      const list = body.querySelector("ul.tree");
      const items = list ? Array.from(list.children) : [];
      const first = items[0];
      item.replaceWith(...items);
      items.forEach(enhance);
      if (first) {
        const target = first.querySelector("a, button:not([hidden])");
        if (target) target.focus();
      }
    } catch (error) {
      link.textContent = "Could not load more: " + error.message;
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.toggle");
    if (button) { toggle(button); return; }
    const link = event.target.closest("a[data-more]");
    if (link) { event.preventDefault(); more(link); return; }
    const treeAction = event.target.closest("button[data-tree]");
    if (treeAction) {
      const open = treeAction.dataset.tree === "expand";
      const scope = document.querySelector(".tree-root") || document;
      scope.querySelectorAll("button.toggle").forEach(function (b) {
        if (open ? b.offsetParent !== null : true) toggle(b, open);
      });
      return;
    }
    const copy = event.target.closest("button[data-copy]");
    if (copy) copyText(copy);
  });

  // --- Copy buttons --------------------------------------------------------------------------------
  async function copyText(button) {
    const text = document.querySelector(button.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(button.dataset.copy));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("copy");
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 1500);
  }

  // --- Tabs (the upload page) ----------------------------------------------------------------------
  function tabs(root) {
    const list = root.querySelector("[role=tablist]");
    const all = Array.from(root.querySelectorAll("[role=tab]"));
    function select(tab, focus) {
      all.forEach(function (t) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }
    list.hidden = false;
    root.classList.add("enhanced");
    all.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(tab, false); });
      tab.addEventListener("keydown", function (event) {
        const step = {ArrowRight: 1, ArrowLeft: -1}[event.key];
        if (step) select(all[(index + step + all.length) % all.length], true);
      });
    });
    select(all[0], false);
  }

  // --- Drag and drop uploads -----------------------------------------------------------------------
  function dropzone(zone) {
    const input = zone.querySelector("input[type=file]");
    const picked = zone.querySelector(".picked");
    function show() {
      picked.replaceChildren(...Array.from(input.files).map(function (file) {
        const li = document.createElement("li");
        li.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        return li;
      }));
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
    input.addEventListener("change", show);
  }

  // The API tab's curl command follows what the form says.
  function curlCommand(form, pre) {
    const endpoint = pre.dataset.endpoint;
    function value(name, fallback) {
      const field = form.elements[name];
      return field && field.value.trim() ? field.value.trim() : fallback;
    }
    function update() {
      const formatter = value("formatter", "");
      const lines = ["curl -X POST", '-H "x-api-key:<API_KEY>"', '-F "file[]=@path/to/testresult"',
        '-F "tag[]=os:' + value("os", "<YOUR_OS>") + '"',
        '-F "tag[]=platform:' + value("platform", "<YOUR_PLATFORM>") + '"',
        '-F "tag[]=build:' + value("build", "<YOUR_BUILD>") + '"'];
      value("tags", "").split(",").map(function (t) { return t.trim(); }).filter(Boolean).forEach(function (t) {
        lines.push('-F "tag[]=' + t + '"');
      });
      lines.push('"' + endpoint + (formatter ? "/" + formatter : "") + '"');
      pre.textContent = lines.join(" \\\n     ");
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  // --- Charts (Chart.js, served from /static) ------------------------------------------------------
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim();
  }

  function charts() {
    if (!window.Chart) return;
    window.Chart.defaults.animation = false;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    const trend = document.getElementById("trend-data");
    if (trend) {
      const data = JSON.parse(trend.textContent);
      const order = ["passed", "failed", "broken", "skipped", "unknown"];
      new window.Chart(document.getElementById("trend-status"), {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: order.filter(function (s) { return data[s].some(Boolean); }).map(function (s) {
            return {label: s, data: data[s], backgroundColor: colour(s), stack: "results"};
          }),
        },
        options: {maintainAspectRatio: false, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}},
          plugins: {legend: {position: "bottom"}}},
      });
      new window.Chart(document.getElementById("trend-duration"), {
        type: "line",
        data: {labels: data.labels, datasets: [{label: "duration (s)", data: data.duration, borderColor: colour("accent"),
          backgroundColor: colour("accent"), spanGaps: true, tension: 0.2}]},
        options: {maintainAspectRatio: false, scales: {y: {beginAtZero: true}}, plugins: {legend: {display: false}}},
      });
    }
    const summary = document.getElementById("summary-data");
    if (summary) {
      const data = JSON.parse(summary.textContent);
      new window.Chart(document.getElementById("summary-chart"), {
        type: "doughnut",
        data: {labels: data.labels, datasets: [{data: data.values, backgroundColor: data.labels.map(colour)}]},
        options: {maintainAspectRatio: false, cutout: "60%", plugins: {legend: {display: false}}},
      });
    }
  }

  async function openSingles(holder, depth) {
    const nodes = holder.querySelectorAll(":scope > ul.tree > li.node");
    const only = nodes.length === 1 ? nodes[0].querySelector(":scope > .row > button.toggle") : null;
    if (!only || depth > 8) return;
    await toggle(only, true);
    await openSingles(document.getElementById(only.getAttribute("aria-controls")), depth + 1);
  }

  // Things that arrive with fragments need their controls switched on too.
  function enhance(root) {
    if (!(root instanceof Element)) return;
    root.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  }

  ready(function () {
    enhance(document.body);
    document.querySelectorAll("[data-tabs]").forEach(tabs);
    document.querySelectorAll("[data-dropzone]").forEach(dropzone);
    const form = document.getElementById("upload-form");
    const pre = document.getElementById("curl-command");
    if (form && pre) curlCommand(form, pre);
    charts();
    // A chain of single containers (one suite holding one package holding one class) opens down
    // to where the tree branches or the results are.
    const root = document.querySelector(".tree-root");
    if (root) openSingles(root, 0);
  });
})();
