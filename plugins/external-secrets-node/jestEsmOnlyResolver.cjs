// The @kubernetes-models packages export only an `import` condition. Jest runs this package's
// tests as CommonJS (resolving with `require`), so it would not find them; resolve just those
// with `import` and let the swc transform in package.json turn their files into CommonJS.
const ESM_ONLY = /^(@kubernetes-models\/|kubernetes-models(\/|$))/;

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    ESM_ONLY.test(request)
      ? { ...options, conditions: ['import', 'node', 'default'] }
      : options,
  );
