// Lint rules for every workspace package (flat config, typescript-eslint).
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["**/node_modules/**", "**/dist/**", "data/**", "out/**"] }, ...tseslint.configs.recommended, {
  rules: {
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    "@typescript-eslint/no-explicit-any": "error",
    "no-console": "off",
  },
});
