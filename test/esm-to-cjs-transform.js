// Jest transform for the few ESM-only dependencies that Jest cannot require on Node 20
// (cookie 2, used by Fastify's `inject`): esbuild rewrites them to CommonJS, code unchanged.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    return { code: transformSync(source, { format: 'cjs', loader: 'js', target: 'node20', sourcefile: filename }).code };
  },
};
