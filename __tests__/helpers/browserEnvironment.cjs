// jsdom as jest 29 ships it (jsdom 20) lacks structuredClone, which every
// browser the package supports has and memoryStorage relies on. The React
// tests run here: `/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */`.
const { TestEnvironment } = require('jest-environment-jsdom');

class BrowserEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    if (typeof this.global.structuredClone !== 'function') this.global.structuredClone = structuredClone;
  }
}

module.exports = BrowserEnvironment;
