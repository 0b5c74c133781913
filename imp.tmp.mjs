const mods = process.argv.slice(2);
const t0=performance.now();
for (const m of mods){ const s=performance.now(); await import(m); console.log(m, (performance.now()-s).toFixed(1)); }
const s=performance.now(); const p = await import("./dist/src/analyzer/parser.js"); await p.loadGo(); console.log("loadGo", (performance.now()-s).toFixed(1));
console.log("total", (performance.now()-t0).toFixed(1));
