// tilegeo preview page: a MapLibre map over this server's styles, with reverse geocoding on click
// and forward search. Every URL is relative to the page, so it also works under a proxy prefix.
(function () {
  "use strict";

  const params = new URLSearchParams(window.location.search);
  const select = document.getElementById("style-select");
  const state = { map: null, styles: [], errors: [], ready: false };
  window.tilegeo = state;   // read by the browser test: map, errors, ready

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && (body.detail || body.error);
      throw new Error(detail ? String(detail) : `HTTP ${response.status}`);
    }
    return body;
  }

  function pickStyle(styles) {
    const wanted = params.get("style");
    return styles.find((s) => s.id === wanted) || styles.find((s) => s.id === "basemap-light") || styles[0];
  }

  function fillStyleSelect(styles, chosen) {
    for (const style of styles) {
      const option = document.createElement("option");
      option.value = style.id;
      option.textContent = style.name;
      option.selected = style.id === chosen.id;
      select.appendChild(option);
    }
  }

  function setDarkClass(style) {
    document.body.classList.toggle("dark", /dark/.test(style.id));
  }

  function createMap(style) {
    const map = new maplibregl.Map({
      container: "map",
      style: style.url,
      center: [10, 30],
      zoom: 1.6,
      hash: "map",
      attributionControl: { compact: false },
    });
    map.addControl(new maplibregl.NavigationControl(), "top-right");
    map.addControl(new maplibregl.ScaleControl(), "bottom-right");
    map.on("error", (event) => {
      const message = (event.error && event.error.message) || String(event.error || event);
      state.errors.push(message);
      console.error("map error:", message);
    });
    map.on("dataloading", () => { state.ready = false; });
    map.on("idle", () => { state.ready = true; });
    map.on("click", (event) => reverseGeocode(map, event.lngLat));
    return map;
  }

  function switchStyle(styleId) {
    const style = state.styles.find((s) => s.id === styleId);
    if (!style) return;
    state.ready = false;
    state.map.setStyle(style.url);
    setDarkClass(style);
    params.set("style", style.id);
    history.replaceState(null, "", `?${params.toString()}${window.location.hash}`);
  }

  // ---- reverse geocoding popup ----
  function placePopup(title, where, lngLat, distanceKm) {
    const root = document.createElement("div");
    root.className = "place-popup";
    const strong = document.createElement("strong");
    strong.textContent = title;
    root.appendChild(strong);
    if (where) {
      const line = document.createElement("div");
      line.className = "where";
      line.textContent = where;
      root.appendChild(line);
    }
    const coords = document.createElement("div");
    coords.className = "coords";
    const distance = Number.isFinite(distanceKm) ? ` · ${distanceKm.toFixed(1)} km away` : "";
    coords.textContent = `${lngLat.lat.toFixed(5)}, ${lngLat.lng.toFixed(5)}${distance}`;
    root.appendChild(coords);
    return root;
  }

  function describe(place) {
    const title = place.city || place.name || place.state || place.country || "No place here (at sea?)";
    const rest = [place.state, place.country].filter((part) => part && part !== title);
    return [title, rest.join(", ")];
  }

  async function reverseGeocode(map, lngLat) {
    const popup = new maplibregl.Popup({ maxWidth: "280px" })
      .setLngLat(lngLat)
      .setDOMContent(placePopup("Looking up…", "", lngLat))
      .addTo(map);
    const query = new URLSearchParams({ lat: lngLat.lat.toFixed(6), lon: lngLat.lng.toFixed(6) });
    try {
      const answer = await getJSON(`api/reverse?${query}`);
      const place = Array.isArray(answer) ? answer[0] || {} : answer || {};
      const [title, where] = describe(place);
      popup.setDOMContent(placePopup(title, where, lngLat, place.distance_km));
    } catch (error) {
      popup.setDOMContent(placePopup("Reverse geocoding failed", error.message, lngLat));
    }
  }

  // ---- forward search ----
  const results = document.getElementById("search-results");

  function showResults(places) {
    results.replaceChildren();
    results.hidden = false;
    if (!places.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "Nothing found";
      results.appendChild(empty);
      return;
    }
    for (const place of places) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const [title, where] = describe(place);
      button.textContent = where ? `${title}, ${where}` : title;
      button.addEventListener("click", () => flyTo(place));
      item.appendChild(button);
      results.appendChild(item);
    }
  }

  function flyTo(place) {
    const lngLat = { lng: Number(place.lon), lat: Number(place.lat) };
    state.map.flyTo({ center: lngLat, zoom: Math.max(state.map.getZoom(), 8) });
    const [title, where] = describe(place);
    new maplibregl.Popup({ maxWidth: "280px" }).setLngLat(lngLat)
      .setDOMContent(placePopup(title, where, lngLat)).addTo(state.map);
  }

  document.getElementById("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = document.getElementById("search-input").value.trim();
    if (!q) return;
    try {
      const places = await getJSON(`api/search?${new URLSearchParams({ q, limit: "8" })}`);
      const list = Array.isArray(places) ? places : places.results || [];
      showResults(list);
      if (list.length === 1) flyTo(list[0]);
    } catch (error) {
      results.hidden = false;
      results.replaceChildren(Object.assign(document.createElement("li"),
        { className: "empty", textContent: `Search failed: ${error.message}` }));
    }
  });

  // ---- copy-paste snippets ----
  function fillSnippets(styles) {
    const light = styles.find((s) => s.id === "basemap-light") || styles.find((s) => /-light$/.test(s.id)) || styles[0];
    const dark = styles.find((s) => s.id === "basemap-dark") || styles.find((s) => /-dark$/.test(s.id)) || light;
    if (!light) return;
    document.getElementById("immich-light").value = light.url;
    document.getElementById("immich-dark").value = dark.url;
    document.getElementById("immich-config").textContent = JSON.stringify(
      { map: { enabled: true, lightStyle: light.url, darkStyle: dark.url } }, null, 2);
  }
  for (const element of document.querySelectorAll("input.copy")) {
    element.addEventListener("focus", () => element.select());
  }

  async function start() {
    try {
      state.styles = await getJSON("styles");
    } catch (error) {
      state.errors.push(`cannot list styles: ${error.message}`);
      return;
    }
    if (!state.styles.length) {
      state.errors.push("this server offers no style: add a tileset to the data directory");
      document.getElementById("hint").textContent = "No style available: add a tileset to the data directory.";
      return;
    }
    const chosen = pickStyle(state.styles);
    fillStyleSelect(state.styles, chosen);
    fillSnippets(state.styles);
    setDarkClass(chosen);
    state.map = createMap(chosen);
    select.addEventListener("change", () => switchStyle(select.value));
  }

  start();
})();
