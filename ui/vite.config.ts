import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The app loads the built files from the binary (Tauri custom protocol): relative paths.
export default defineConfig({
  base: "./",
  plugins: [svelte()],
  build: { outDir: "dist", emptyOutDir: true, target: "safari15" },
  test: { environment: "jsdom" },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
});
