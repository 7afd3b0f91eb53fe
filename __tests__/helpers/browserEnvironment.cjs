// jsdom as jest 29 ships it (jsdom 20) lacks globals that every browser the
// package supports has and the core uses: structuredClone (memoryStorage),
// TextEncoder and TextDecoder (the checksum). Node's are lent to it. The React
// tests run here: `/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */`.
const { TestEnvironment } = require('jest-environment-jsdom');

const LENT = { structuredClone, TextEncoder, TextDecoder };

class BrowserEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const [name, value] of Object.entries(LENT)) {
      if (typeof this.global[name] !== 'function') this.global[name] = value;
    }
  }
}

module.exports = BrowserEnvironment;
