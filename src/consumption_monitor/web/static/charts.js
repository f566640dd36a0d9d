// Draws every element with data-chart="<id of a JSON script block>" using the vendored
// Apache ECharts (/static/vendor/echarts.min.js), SVG renderer. The option JSON carries a
// "cmon" key: {unit, lang, geo?, map?}. Value axes and tooltips print 万/亿 (never k/M/B);
// category labels arrive already in Chinese (2025年11月). No inline script (CSP
// script-src 'self'); each drawn element gets data-drawn="1" for the browser tests.
(function () {
  "use strict";
  var YUAN_PER = { yuan: 1, wan_yuan: 1e4, yi_yuan: 1e8 };

  function group(n, digits) {
    var s = Math.abs(n).toFixed(digits);
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var out = parts.length > 1 ? parts[0] + "." + parts[1].replace(/0+$/, "") : parts[0];
    out = out.replace(/\.$/, "");
    return (n < 0 ? "-" : "") + out;
  }

  // A number in Chinese magnitudes: 12,345 -> 1.23万, 3.6e11 -> 3,601.5亿.
  function magnitude(n, lang, digits) {
    var abs = Math.abs(n);
    var zh = lang === "zh";
    if (abs >= 1e8) { return group(n / 1e8, digits) + (zh ? "亿" : " × 100m"); }
    if (abs >= 1e4) { return group(n / 1e4, digits) + (zh ? "万" : " × 10k"); }
    return group(n, abs < 10 && abs !== Math.floor(abs) ? 2 : 0);
  }

  function formatter(meta, long) {
    var unit = meta.unit || "count";
    var lang = meta.lang || "zh";
    var zh = lang === "zh";
    return function (v) {
      if (v === null || v === undefined || v === "" || isNaN(Number(v))) { return "—"; }
      var n = Number(v);
      if (unit in YUAN_PER) {
        var text = magnitude(n * YUAN_PER[unit], lang, long ? 2 : 1);
        if (!long) { return text; }
        return text + (zh ? "元" : " yuan");
      }
      if (unit === "percent") { return group(n, long ? 1 : 1) + "%"; }
      if (unit === "pp") { return group(n, 1) + (zh ? "个百分点" : " pp"); }
      return magnitude(n, lang, long ? 2 : 1);
    };
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function asList(x) { return x === undefined ? [] : (Array.isArray(x) ? x : [x]); }

  function prepare(option) {
    var meta = option.cmon || {};
    delete option.cmon;
    var short = formatter(meta, false);
    var long = formatter(meta, true);
    asList(option.yAxis).concat(asList(option.xAxis)).forEach(function (axis) {
      if (axis && axis.type === "value") {
        axis.axisLabel = Object.assign({}, axis.axisLabel || {}, { formatter: short });
      }
    });
    if (option.tooltip) {
      option.tooltip.valueFormatter = long;
      if (option.tooltip.trigger === "item") {
        option.tooltip.formatter = function (p) {
          var tip = p.data && p.data.tip;
          if (tip) { return tip.map(escapeHtml).join("<br>"); }
          return escapeHtml(p.name) + (p.value !== undefined ? "：" + escapeHtml(long(p.value)) : "");
        };
      }
    }
    if (option.visualMap) {
      option.visualMap.formatter = function (v) { return short(v); };
    }
    return meta;
  }

  var geoCache = {};
  function loadGeo(url, name) {
    if (!geoCache[url]) {
      geoCache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("boundaries " + url + ": HTTP " + r.status); }
        return r.json();
      }).then(function (geo) { window.echarts.registerMap(name, geo); return geo; });
    }
    return geoCache[url];
  }

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    var dark = document.body.classList.contains("bigscreen");
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var option = JSON.parse(source.textContent);
      var meta = prepare(option);
      if (dark) { option.backgroundColor = "transparent"; }
      var chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "svg", locale: "ZH" });
      charts.push(chart);
      var ready = meta.geo ? loadGeo(meta.geo, meta.map) : Promise.resolve(null);
      ready.then(function () {
        chart.on("finished", function () { el.setAttribute("data-drawn", "1"); });
        chart.setOption(option);
      }).catch(function (err) {
        el.setAttribute("data-error", String(err));
        el.textContent = String(err);
      });
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
