#!/usr/bin/env python3
"""Writes dashboards/grafana/*.json from the terminal dashboards in dashboards/*.yaml.

Run by hand after changing a dashboard (needs PyYAML: `pip install pyyaml`, or
Debian's python3-yaml):

    python3 dashboards/grafana/generate.py

The JSON is for Grafana's Prometheus data source pointed at infermon
(http://HOST:9464). Translations, so the panels work on any Prometheus API:
- infermon's sketch_quantile_over_time(q, metric[w], "label") becomes
  histogram_quantile(q, sum by (le, label) (rate(metric_bucket[w]))), which a
  real Prometheus scraping infermon's /metrics can run too;
- `alerts` panels become a table of ALERTS{alertstate="firing"};
- `notifications` panels are left out (Grafana has no view of infermon's log);
- $__range stays as it is: Grafana substitutes it client-side.
`infermon dashboards check` parses every query of the result.
"""
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)

UNITS = {"short": "short", "ratio": "percentunit", "percent": "percent", "seconds": "s",
         "milliseconds": "ms", "bytes": "bytes", "usd": "currencyUSD"}
COLORS = {"default": "text", "gray": "gray", "grey": "gray"}
SKETCH = re.compile(r'sketch_quantile_over_time\(\s*([0-9.]+)\s*,\s*([a-z_:]+)(\{[^}]*\})?\[([^\]]+)\]\s*,\s*"([a-z_]+)"\s*\)')


def translate(expr):
    def replace(match):
        q, metric, selector, window, label = match.groups()
        return "histogram_quantile(%s, sum by (le, %s) (rate(%s_bucket%s[%s])))" % (
            q, label, metric, selector or "", window)
    return " ".join(SKETCH.sub(replace, expr).split())


def thresholds(spec):
    steps = [{"color": "green", "value": None}]
    for item in spec.get("thresholds", []):
        color = COLORS.get(item["color"], item["color"])
        if "value" in item:
            steps.append({"color": color, "value": item["value"]})
        else:
            steps[0]["color"] = color
    return {"mode": "absolute", "steps": steps}


def unit(name):
    if name is None:
        return "short"
    return UNITS.get(name, "suffix: " + name)


def targets(panel):
    queries = panel.get("queries") or [{"expr": panel["query"], "legend": panel.get("legend", "")}]
    out = []
    for index, query in enumerate(queries):
        if isinstance(query, str):
            query = {"expr": query}
        expr = translate(query["expr"])
        target = {"refId": chr(ord("A") + index), "expr": expr,
                  "datasource": {"type": "prometheus", "uid": "${datasource}"}}
        if query.get("legend"):
            target["legendFormat"] = query["legend"]
        if panel["kind"] in ("bar", "gauge", "table"):
            target["instant"] = True
            target["range"] = False
            if panel["kind"] == "table":
                target["format"] = "table"
        out.append(target)
    return out


def panel_json(panel, grid, ident):
    kind = panel["kind"]
    base = {"id": ident, "title": panel["title"], "gridPos": grid,
            "datasource": {"type": "prometheus", "uid": "${datasource}"}}
    defaults = {"unit": unit(panel.get("unit")), "thresholds": thresholds(panel)}
    if "min" in panel:
        defaults["min"] = panel["min"]
    if "max" in panel:
        defaults["max"] = panel["max"]
    if kind == "alerts":
        base.update({"type": "table", "targets": [{
            "refId": "A", "expr": 'ALERTS{alertstate="firing"}', "instant": True, "range": False,
            "format": "table", "datasource": {"type": "prometheus", "uid": "${datasource}"}}],
            "transformations": [{"id": "organize", "options": {
                "excludeByName": {"Time": True, "Value": True, "__name__": True, "alertstate": True}}}]})
        return base
    base["targets"] = targets(panel)
    base["fieldConfig"] = {"defaults": defaults, "overrides": []}
    if kind == "graph":
        base["type"] = "timeseries"
        base["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull"]}}
    elif kind == "stat":
        base["type"] = "stat"
        base["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value", "graphMode": "area"}
    elif kind in ("gauge", "bar"):
        base["type"] = "bargauge"
        base["options"] = {"orientation": "horizontal", "displayMode": "gradient",
                           "reduceOptions": {"calcs": ["lastNotNull"], "values": False}}
    elif kind == "table":
        base["type"] = "table"
        base["options"] = {"sortBy": [{"displayName": "Value", "desc": True}]}
        base["transformations"] = [{"id": "merge", "options": {}}]
    return base


def dashboard(name, spec):
    panels = []
    y = 0
    ident = 1
    for row in spec["rows"]:
        height = 4 if row.get("height") else 8
        members = [p for p in row["panels"] if p["kind"] != "notifications"]
        total = sum(p.get("width", 1) for p in members) or 1
        x = 0
        for index, panel in enumerate(members):
            width = 24 - x if index == len(members) - 1 else round(24 * panel.get("width", 1) / total)
            panels.append(panel_json(panel, {"x": x, "y": y, "w": width, "h": height}, ident))
            ident += 1
            x += width
        y += height
    variables = [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}]
    for variable, default in (spec.get("variables") or {}).items():
        metric = "infermon_hallucination_rate" if variable == "judge" else "infermon_requests_total"
        variables.append({
            "name": variable, "type": "query", "label": variable,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": "label_values(%s, %s)" % (metric, variable), "refId": "vars"},
            "definition": "label_values(%s, %s)" % (metric, variable),
            "includeAll": True, "allValue": default, "multi": True, "refresh": 2,
            "current": {"text": "All", "value": "$__all"}})
    return {"title": "infermon " + spec.get("title", name), "uid": "infermon-" + name,
            "tags": ["infermon"], "schemaVersion": 39, "editable": True, "refresh": "10s",
            "time": {"from": "now-1h", "to": "now"}, "templating": {"list": variables}, "panels": panels}


def main():
    for name in ("overview", "cost", "quality"):
        with open(os.path.join(SOURCE, name + ".yaml")) as handle:
            spec = yaml.safe_load(handle)
        with open(os.path.join(HERE, name + ".json"), "w") as handle:
            json.dump(dashboard(name, spec), handle, indent=2)
            handle.write("\n")
        print("wrote", os.path.join(HERE, name + ".json"), file=sys.stderr)


if __name__ == "__main__":
    main()
