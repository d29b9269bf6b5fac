throw new Error('fotobase builds the Node addon natively: cross-compiling and WASM tools are not installed (see package.json overrides)');
