// Some packages (@kubernetes-models/*, kubernetes-models) publish only an `import` export condition. Jest runs this
// package's tests as CommonJS and resolves with the `require` condition, so those packages would
// not be found; resolve them (and only them) with the `import` condition, the files themselves are
// then transpiled to CommonJS by the swc transform configured in package.json.
const ESM_ONLY_SCOPES = ['@kubernetes-models/', 'kubernetes-models/'];

module.exports = (request, options) => {
  if (ESM_ONLY_SCOPES.some(scope => request.startsWith(scope))) {
    return options.defaultResolver(request, {
      ...options,
      conditions: ['import', 'node', 'default'],
    });
  }
  return options.defaultResolver(request, options);
};
