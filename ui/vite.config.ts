import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build lands inside the Python package: `hetumind serve` ships it, users need no Node.js.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../hetumind/webapp/static",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
});
