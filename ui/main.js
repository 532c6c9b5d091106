// Loads the wasm UI; kept as a file (not inline) so the CSP needs no inline scripts.
import init, { start } from "./plantlab_ui.js";

await init();
await start("plantlab_canvas");
