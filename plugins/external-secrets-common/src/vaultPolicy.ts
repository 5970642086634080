/**
 * Vault ACL policies: the model, the HCL/JSON parser, the evaluator that says which capabilities
 * apply to a path, and the renderer for the policies this suite writes. One module per part;
 * importers use this file.
 */

export * from './vaultPolicy/model';
export * from './vaultPolicy/parse';
export * from './vaultPolicy/evaluate';
export * from './vaultPolicy/render';
