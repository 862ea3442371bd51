"""The weekly load chart, drawn on the server as SVG: hard sets as bars, running km as a line, deload
weeks marked. No script, no external assets: it works under the pages' CSP, prints, and reads out."""

from __future__ import annotations

from html import escape

from web.domain.plan import WeekLoad

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 16, 34


def load_svg(loads: list[WeekLoad]) -> str:
    """An accessible SVG of the plan's weekly hard sets and running km."""
    if not loads:
        return ""
    sets_max = max(max(w.hard_sets for w in loads), 1)
    km_max = max(max(w.running_km for w in loads), 1.0)
    has_km = any(w.running_km for w in loads)
    has_sets = any(w.hard_sets for w in loads)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(loads)
    bar = step * 0.6
    parts = []
    points = []
    for index, week in enumerate(loads):
        x = LEFT + index * step + (step - bar) / 2
        h = plot_h * week.hard_sets / sets_max if has_sets else 0
        css = "bar deload" if week.is_deload else "bar"
        label = f"Week {week.number}: {week.hard_sets} hard sets, {week.running_km:g} km" + (
            " (deload)" if week.is_deload else ""
        )
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}</title></rect>"
        )
        parts.append(
            f'<text class="tick" x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{week.number}</text>'
        )
        if has_km:
            y = TOP + plot_h - plot_h * week.running_km / km_max
            points.append(f"{x + bar / 2:.1f},{y:.1f}")
    if has_km:
        parts.append(f'<polyline class="km" fill="none" points="{" ".join(points)}"/>')
    axes = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{WIDTH / 2:.0f}" y="{HEIGHT - 4}" text-anchor="middle">week</text>',
    ]
    if has_sets:
        axes.append(f'<text class="tick" x="4" y="{TOP + 10}">{sets_max} sets</text>')
    if has_km:
        axes.append(
            f'<text class="tick km-label" x="{WIDTH - 4}" y="{TOP + 10}" text-anchor="end">{km_max:g} km</text>'
        )
    desc = "; ".join(
        f"week {w.number}: {w.hard_sets} sets, {w.running_km:g} km{' (deload)' if w.is_deload else ''}"
        for w in loads
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="load-title load-desc" class="load-chart">'
        f'<title id="load-title">Weekly load: hard sets (bars){" and running km (line)" if has_km else ""}, lighter weeks paler</title>'
        f'<desc id="load-desc">{escape(desc)}</desc>'
        f"<style>.bar{{fill:#2f7d5d}}.bar.deload{{fill:#a8d5c0}}.km{{stroke:#1d4ed8;stroke-width:2.5}}"
        f".axis{{stroke:#555}}.tick{{font:11px sans-serif;fill:#333}}</style>"
        + "".join(axes)
        + "".join(parts)
        + "</svg>"
    )
