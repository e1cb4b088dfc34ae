// The pages' stylesheet.
extension Assets {
    static let style = #"""
        :root { --fg: #222; --muted: #666; --line: #ddd; --bg: #fff; --soft: #f6f7f9; --accent: #2f6db5; --ok: #1f7a3a; --bad: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: center; gap: 18px; padding: 8px 20px; border-bottom: 1px solid var(--line); background: var(--soft); }
        header .brand { font-weight: 700; color: var(--fg); text-decoration: none; letter-spacing: .02em; }
        header nav a { color: var(--muted); text-decoration: none; }
        .live { margin-left: auto; color: #bbb; font-size: 12px; }
        .live.on { color: var(--ok); }
        main { padding: 14px 20px 40px; max-width: 1500px; }
        h1 { font-size: 20px; margin: 4px 0 10px; font-weight: 600; }
        h2 { font-size: 15px; margin: 22px 0 8px; font-weight: 600; }
        a { color: var(--accent); }
        code, pre, .hash { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, monospace; font-size: 12.5px; }
        pre { background: var(--soft); padding: 10px; overflow: auto; border-radius: 4px; max-height: 420px; }
        .muted { color: var(--muted); }
        .error { color: var(--bad); white-space: pre-wrap; }
        .loading { color: var(--muted); }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
        form.filters input[name=where] { flex: 1 1 380px; }
        input, select, button, textarea { font: inherit; padding: 4px 7px; border: 1px solid #bbb; border-radius: 4px; background: #fff; }
        button { cursor: pointer; background: var(--soft); }
        button:disabled { opacity: .5; cursor: default; }
        .toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 8px 0; }
        .toolbar code { background: var(--soft); padding: 3px 6px; border-radius: 3px; max-width: 60ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .table-wrap { overflow: auto; max-height: 72vh; border: 1px solid var(--line); border-radius: 4px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        thead th { position: sticky; top: 0; background: var(--soft); z-index: 1; }
        th.sortable { cursor: pointer; user-select: none; }
        th.sorted::after { content: " ▾"; }
        th.sorted.asc::after { content: " ▴"; }
        tbody tr:hover { background: #f3f7fd; }
        .status { font-size: 12px; padding: 1px 6px; border-radius: 9px; background: #eee; }
        .status.completed { background: #e3f3e8; color: var(--ok); }
        .status.failed, .status.diverged { background: #fbe4e2; color: var(--bad); }
        .status.running { background: #e4eefb; color: var(--accent); }
        .badge { font-size: 12px; padding: 1px 7px; border-radius: 9px; border: 1px solid currentColor; }
        .badge.reproduced { color: var(--ok); }
        .badge.differs, .badge.corrupt, .badge.failed { color: var(--bad); }
        .tag { display: inline-block; font-size: 12px; background: #eef1f6; border-radius: 3px; padding: 0 6px; margin-right: 4px; }
        .tag button { border: 0; background: none; padding: 0 0 0 4px; color: var(--muted); }
        .columns { display: none; flex-wrap: wrap; gap: 4px 14px; padding: 8px; border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; max-height: 180px; overflow: auto; }
        .columns.open { display: flex; }
        .columns label { white-space: nowrap; font-size: 13px; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 150px; }
        .card .k { color: var(--muted); font-size: 12px; }
        .card .v { font-size: 16px; font-weight: 600; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 14px; }
        .chart-box { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-height: 120px; }
        .chart-box h3 { font-size: 13px; margin: 2px 0 4px; font-weight: 600; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; margin-top: 4px; }
        .legend-item i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
        .tooltip { position: absolute; pointer-events: none; background: rgba(255,255,255,.95); border: 1px solid #ccc; border-radius: 4px; padding: 4px 7px; font-size: 12px; white-space: nowrap; z-index: 5; }
        .controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 6px 0; }
        .bar { display: inline-block; height: 10px; background: var(--accent); border-radius: 2px; vertical-align: middle; }
        .pc-wrap { position: relative; }
        .sweeps { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 6px; }
        .sweeps a { text-decoration: none; border: 1px solid var(--line); border-radius: 5px; padding: 3px 9px; color: var(--fg); font-size: 13px; }
        textarea { width: 100%; min-height: 60px; }
        """#
}
