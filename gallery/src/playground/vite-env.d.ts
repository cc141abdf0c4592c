// Vite's import suffixes (`?raw` for the gallery's .ppl files, `?url` for the wasm binaries).
/// <reference types="vite/client" />
