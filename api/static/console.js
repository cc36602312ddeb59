// Pehchaan console: search persons and vehicles, see why each result ranks, open a record.
// The key, purpose and case reference live in this closure only (never in storage), and
// every value from the server is written with textContent (no HTML injection).
"use strict";
(() => {
  let session = null; // {key, purpose, caseRef}
  let lastResults = [];
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  async function api(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
    }
    const headers = { "Authorization": "Bearer " + session.key, "Accept": "application/json" };
    // HTTP headers carry Latin-1 only: a purpose typed in Hindi goes in the query instead.
    const plain = (text) => /^[\x20-\x7e]*$/.test(text);
    if (plain(session.purpose)) headers["X-Purpose"] = session.purpose;
    else url.searchParams.set("purpose", session.purpose);
    if (plain(session.caseRef)) headers["X-Case-Ref"] = session.caseRef;
    else url.searchParams.set("case_ref", session.caseRef);
    const response = await fetch(url, { headers });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const why = body.detail || response.statusText;
      const error = new Error(`${response.status}: ${why}${body.field ? " (" + body.field + ")" : ""}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function setStatus(text, isError = false) {
    const s = $("status");
    s.textContent = text;
    s.className = isError ? "status error" : "status";
  }

  // -- session ------------------------------------------------------------------------
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    session = { key: $("key").value.trim(), purpose: $("purpose").value.trim(),
                caseRef: $("case-ref").value.trim() };
    $("key").value = "";
    try {
      const me = await api("/v1/session");
      $("who").textContent = `${me.role} · ${me.agency} · key ${me.key_id} · ` +
        `purpose: ${session.purpose} · case: ${session.caseRef}`;
      $("who").hidden = false;
      $("login").hidden = true;
      $("app").hidden = false;
      $("login-error").hidden = true;
      $("name").focus();
    } catch (err) {
      session = null;
      $("login-error").textContent = "Key refused: " + err.message;
      $("login-error").hidden = false;
    }
  });

  $("end-session").addEventListener("click", () => {
    session = null;
    lastResults = [];
    $("results").replaceChildren();
    $("who").hidden = true;
    $("app").hidden = true;
    $("login").hidden = false;
  });

  function selectTab(which) {
    const persons = which === "persons";
    $("tab-persons").setAttribute("aria-selected", String(persons));
    $("tab-vehicles").setAttribute("aria-selected", String(!persons));
    $("person-form").hidden = !persons;
    $("vehicle-form").hidden = persons;
    $("results").replaceChildren();
    $("record").hidden = true;
    setStatus("");
  }
  $("tab-persons").addEventListener("click", () => selectTab("persons"));
  $("tab-vehicles").addEventListener("click", () => selectTab("vehicles"));

  // -- results ------------------------------------------------------------------------
  function scoreClass(score) {
    return score >= 0.8 ? "high" : score >= 0.5 ? "mid" : "low";
  }

  function featureTable(features) {
    const rows = (features || []).map((f) => {
      const pct = f.score === null || f.score === undefined ? null : Math.round(f.score * 100);
      const scoreCell = el("td", { class: "fscore" });
      if (pct === null) scoreCell.textContent = "—";
      else {
        const bar = el("span", { class: "bar" });
        bar.style.width = `${pct * 0.6}px`; // CSSOM, allowed by the page's CSP
        scoreCell.append(bar, `${pct}% × ${f.weight}`);
      }
      return el("tr", { class: "feature", "data-feature": f.name },
                el("td", { class: "fname", text: f.name.replace("_", " ") }), scoreCell,
                el("td", { class: "fdetail", text: f.detail || "" }));
    });
    return el("table", { class: "features" }, el("tbody", {}, ...rows));
  }

  function personHit(hit, rank) {
    const p = hit.person || {};
    const meta = [p.relative_name ? `${p.relation === "husband" ? "w/o" : "s/o"} ${p.relative_name}` : "",
                  p.age !== null && p.age !== undefined ? `age ${p.age}` : "",
                  p.gender || "", p.district || "", (p.status || []).join(", ")]
      .filter(Boolean).join(" · ");
    const open = el("button", { type: "button", class: "open", text: "Open record" });
    open.addEventListener("click", () => openPerson(hit.id));
    return el("li", { class: "hit", "data-id": hit.id },
      el("div", { class: "hit-head" },
        el("span", { class: `score ${scoreClass(hit.score)}`, text: `${Math.round(hit.score * 100)}%` }),
        el("span", { class: "hit-names", text: (p.names || [hit.id]).join(" / ") }),
        el("span", { class: "hit-meta", text: `${meta} · ${hit.id}` }), open),
      featureTable(hit.features));
  }

  function vehicleHit(hit) {
    const v = hit.record || hit.vehicle || {};
    const features = hit.features || (hit.explanation && hit.explanation.features) || [];
    const meta = [v.make, v.model, v.colour, v.status, v.district, v.fir].filter(Boolean).join(" · ");
    return el("li", { class: "hit", "data-id": hit.id },
      el("div", { class: "hit-head" },
        el("span", { class: `score ${scoreClass(hit.score)}`, text: `${Math.round(hit.score * 100)}%` }),
        el("span", { class: "hit-names", text: v.registration || v.chassis || hit.id }),
        el("span", { class: "hit-meta", text: `${meta} · ${hit.id}` })),
      featureTable(features));
  }

  function showResults(hits, render, what) {
    lastResults = hits;
    $("record").hidden = true;
    $("results").hidden = false;
    $("results").replaceChildren(...hits.map(render));
    setStatus(hits.length ? `${hits.length} ${what}, best first. Scores rank; you decide.`
                          : `No ${what} found.`);
  }

  $("person-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    setStatus("Searching…");
    try {
      const body = await api("/v1/persons/search", {
        name: $("name").value.trim(), relative_name: $("relative").value.trim(),
        age: $("age").value, district: $("district").value.trim(), k: 20 });
      showResults(body.hits, personHit, "persons");
    } catch (err) {
      setStatus(err.message, true);
    }
  });

  $("vehicle-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    setStatus("Searching…");
    try {
      const body = await api("/v1/vehicles/search", {
        [$("vehicle-field").value]: $("plate").value.trim(), k: 20 });
      showResults(body.hits || [], vehicleHit, "vehicles");
    } catch (err) {
      setStatus(err.status === 404 ? "Vehicle search is not available on this server."
                                   : err.message, true);
    }
  });

  // -- record view ----------------------------------------------------------------------
  const LABELS = [["names", "Names"], ["aliases", "Aliases"], ["relative_name", "Father's / husband's name"],
    ["relation", "Relation"], ["gender", "Gender"], ["date_of_birth", "Date of birth"], ["age", "Age"],
    ["age_recorded_on", "Age recorded on"], ["address", "Address"], ["district", "District"],
    ["police_station", "Police station"], ["status", "Status"], ["source_agency", "Source agency"],
    ["external_ids", "Other ids"], ["restrictions", "Restrictions"], ["updated_at", "Updated"]];

  function show(value) {
    if (Array.isArray(value)) return value.join(", ");
    if (value && typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(", ");
    return String(value);
  }

  async function openPerson(id) {
    setStatus("Opening " + id + "…");
    try {
      const person = await api("/v1/persons/" + encodeURIComponent(id));
      $("record-title").textContent = `${(person.names || [id]).join(" / ")} (${id})`;
      const fields = [];
      for (const [key, label] of LABELS) {
        const value = person[key];
        if (value === undefined || value === null || (Array.isArray(value) && !value.length)
            || (typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length)) continue;
        fields.push(el("dt", { text: label }),
                    el("dd", { class: key === "restrictions" ? "restricted" : "", "data-field": key, text: show(value) }));
      }
      $("record-fields").replaceChildren(...fields);
      const firs = (person.firs || []).map((f) => el("tr", {},
        el("td", { text: f.police_station }), el("td", { text: f.fir_number }), el("td", { text: String(f.year) })));
      $("record-firs").tBodies[0].replaceChildren(...(firs.length ? firs :
        [el("tr", {}, el("td", { colspan: "3", text: "none recorded (or not visible to your role)" }))]));
      let vehicles = [];
      try {
        vehicles = (await api(`/v1/persons/${encodeURIComponent(id)}/vehicles`)).vehicles || [];
      } catch (err) {
        vehicles = [];
      }
      const rows = vehicles.map((v) => el("tr", {},
        el("td", { text: v.registration || v.registration_raw || v.id }),
        el("td", { text: [v.make, v.model].filter(Boolean).join(" ") }),
        el("td", { text: v.status || "" }), el("td", { text: v.fir || "" })));
      $("record-vehicles").tBodies[0].replaceChildren(...(rows.length ? rows :
        [el("tr", {}, el("td", { colspan: "4", text: "none linked" }))]));
      $("results").hidden = true;
      $("record").hidden = false;
      setStatus("");
    } catch (err) {
      setStatus(err.message, true);
    }
  }

  $("back").addEventListener("click", () => {
    $("record").hidden = true;
    $("results").hidden = false;
    setStatus(lastResults.length ? `${lastResults.length} results.` : "");
  });
})();
