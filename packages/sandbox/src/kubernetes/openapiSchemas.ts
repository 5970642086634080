import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ResourceType } from './resourceTypes';

/**
 * OpenAPI v3 schemas of the kinds the emulator serves, read from the type declarations of the
 * `kubernetes-models` packages: `kubernetes-models` for built-in kinds (generated from
 * Kubernetes' own OpenAPI document) and `@kubernetes-models/external-secrets` for ESO's kinds
 * (generated from ESO's Go API types). Those declarations carry every field with its type,
 * enum values, whether it is optional and its documentation, which is what `kubectl explain`
 * prints and what field validation needs. They do not carry CEL rules, formats or list types;
 * the few patch strategies `kubectl apply` needs on built-in kinds are added below.
 */

/** An OpenAPI v3 schema object (the subset the emulator writes). */
export type Schema = Record<string, any>;

interface Declaration {
  file: string;
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
}

interface ParsedFile {
  /** Local declarations by name. */
  declarations: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
  /** Exported alias → local name (`IIoK8sApiCoreV1Secret` → `ISecret`). */
  aliases: Map<string, string>;
  /** Imported name → absolute path of the declaration file. */
  imports: Map<string, string>;
}

/** Where a package is installed, found the way Node would find it from here. */
function packageDir(name: string): string {
  for (const dir of require.resolve.paths(name) ?? []) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      return candidate;
    }
  }
  throw new Error(`package ${name} is not installed`);
}

function resolveModule(from: string, specifier: string): string {
  const withoutJs = specifier.replace(/\.js$/, '');
  if (withoutJs.startsWith('.')) {
    return path.resolve(path.dirname(from), `${withoutJs}.d.ts`);
  }
  const parts = withoutJs.split('/');
  const packageName = parts[0].startsWith('@')
    ? parts.slice(0, 2).join('/')
    : parts[0];
  const rest = parts.slice(packageName.split('/').length).join('/');
  return path.join(packageDir(packageName), `${rest || 'index'}.d.ts`);
}

function jsDocOf(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const comment = docs?.at(-1)?.comment;
  const text =
    typeof comment === 'string' ? comment : ts.getTextOfJSDocComment(comment);
  return text?.trim() || undefined;
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isStringLiteral(name) || ts.isIdentifier(name)) {
    return name.text;
  }
  return name.getText();
}

/**
 * `IIoK8sApiCoreV1Secret` → `io.k8s.api.core.v1.Secret`: the package and version words
 * lower-cased and dotted, the type name kept. Undefined when there is no version word.
 */
export function componentNameOf(exportedName: string): string | undefined {
  const words = exportedName.replace(/^I/, '').match(/[A-Z][a-z0-9]*/g) ?? [];
  const version = words.findIndex(w => /^V\d+((alpha|beta)\d+)?$/.test(w));
  if (version < 0 || version === words.length - 1) {
    return undefined;
  }
  const prefix = words
    .slice(0, version + 1)
    .join('.')
    .toLowerCase();
  return `${prefix}.${words.slice(version + 1).join('')}`;
}

/** Kubernetes' documentation of the type fields, which the models leave out. */
const TYPE_META: Record<string, string> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

/** Patch strategies of built-in kinds' lists, as Kubernetes' Go types declare them. */
const PATCH_EXTENSIONS: Record<string, Record<string, Schema>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    finalizers: {
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'set',
    },
    ownerReferences: {
      'x-kubernetes-patch-merge-key': 'uid',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    },
    managedFields: { 'x-kubernetes-list-type': 'atomic' },
  },
  'io.k8s.api.core.v1.ServiceAccount': {
    secrets: {
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
    imagePullSecrets: { 'x-kubernetes-list-type': 'atomic' },
  },
};

/**
 * Builds schemas from the declarations. Built-in types become components referenced with
 * `$ref`, as in the API server's documents; ESO's types are inlined into one schema per kind
 * (with `metadata` referring to `ObjectMeta`), as the API server publishes a CRD's schema.
 */
export class DeclarationSchemas {
  private readonly files = new Map<string, ParsedFile>();
  readonly components = new Map<string, Schema>();

  private parse(file: string): ParsedFile {
    const known = this.files.get(file);
    if (known) {
      return known;
    }
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    const parsed: ParsedFile = {
      declarations: new Map(),
      aliases: new Map(),
      imports: new Map(),
    };
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement)) {
        const bindings = statement.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          const target = resolveModule(
            file,
            (statement.moduleSpecifier as ts.StringLiteral).text,
          );
          for (const element of bindings.elements) {
            parsed.imports.set(element.name.text, target);
          }
        }
      } else if (
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement)
      ) {
        parsed.declarations.set(statement.name.text, statement);
      } else if (
        ts.isExportDeclaration(statement) &&
        statement.exportClause &&
        ts.isNamedExports(statement.exportClause)
      ) {
        for (const element of statement.exportClause.elements) {
          parsed.aliases.set(
            element.name.text,
            (element.propertyName ?? element.name).text,
          );
        }
      }
    }
    this.files.set(file, parsed);
    return parsed;
  }

  private find(file: string, name: string): Declaration & { exported: string } {
    const parsed = this.parse(file);
    const imported = parsed.imports.get(name);
    if (imported) {
      const target = this.parse(imported);
      const local = target.aliases.get(name) ?? name;
      const node = target.declarations.get(local);
      if (!node) {
        throw new Error(`${name} is not declared in ${imported}`);
      }
      return { file: imported, node, exported: name };
    }
    const node = parsed.declarations.get(name);
    if (!node) {
      throw new Error(`${name} is not declared in ${file}`);
    }
    const exported =
      [...parsed.aliases.entries()].find(
        ([alias, local]) => local === name && alias.startsWith('I'),
      )?.[0] ?? name;
    return { file, node, exported };
  }

  /** The schema of the interface `name` declared in `file`, inlined (for CRD kinds). */
  inlineSchema(file: string, name: string): Schema {
    return this.declarationSchema(this.find(file, name), {
      inline: true,
      stack: [],
    });
  }

  /** Registers the component of interface `name` in `file` (and all it refers to); its name. */
  component(file: string, name: string): string {
    const declaration = this.find(file, name);
    const componentName = componentNameOf(declaration.exported);
    if (!componentName) {
      throw new Error(`no component name for ${declaration.exported}`);
    }
    this.registerComponent(declaration, componentName);
    return componentName;
  }

  private registerComponent(
    declaration: Declaration & { exported: string },
    componentName: string,
  ) {
    if (this.components.has(componentName)) {
      return;
    }
    // placeholder first: types that refer back to themselves stop here
    this.components.set(componentName, {});
    const schema = this.declarationSchema(declaration, {
      inline: false,
      stack: [],
    });
    const extensions = PATCH_EXTENSIONS[componentName] ?? {};
    for (const [field, extra] of Object.entries(extensions)) {
      if (schema.properties?.[field]) {
        Object.assign(schema.properties[field], extra);
      }
    }
    this.components.set(componentName, schema);
  }

  private declarationSchema(
    declaration: Declaration,
    context: { inline: boolean; stack: string[] },
  ): Schema {
    const { node, file } = declaration;
    const description = jsDocOf(node);
    let schema: Schema;
    if (ts.isTypeAliasDeclaration(node)) {
      schema = this.typeSchema(node.type, file, context);
    } else {
      schema = this.membersSchema(node.members, file, context);
    }
    return description ? { description, ...schema } : schema;
  }

  private membersSchema(
    members: ts.NodeArray<ts.TypeElement>,
    file: string,
    context: { inline: boolean; stack: string[] },
  ): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let additional: Schema | undefined;
    for (const member of members) {
      if (ts.isPropertySignature(member) && member.type) {
        const name = propertyName(member.name);
        const description = jsDocOf(member) ?? TYPE_META[name];
        const schema = this.typeSchema(member.type, file, context);
        properties[name] = this.withDescription(schema, description);
        // the models pin apiVersion and kind to literals; the API server does not require them
        if (!member.questionToken && !ts.isLiteralTypeNode(member.type)) {
          required.push(name);
        }
      } else if (ts.isIndexSignatureDeclaration(member) && member.type) {
        additional = this.typeSchema(member.type, file, context);
      }
    }
    if (additional && Object.keys(properties).length === 0) {
      return { type: 'object', additionalProperties: additional };
    }
    return {
      type: 'object',
      ...(Object.keys(properties).length ? { properties } : {}),
      ...(required.length ? { required: required.sort() } : {}),
    };
  }

  /** A description beside a `$ref` needs `allOf`, as the API server writes it. */
  private withDescription(schema: Schema, description?: string): Schema {
    if (schema.$ref) {
      return {
        allOf: [schema],
        ...(description ? { description } : {}),
        default: {},
      };
    }
    return description ? { ...schema, description } : schema;
  }

  private typeSchema(
    type: ts.TypeNode,
    file: string,
    context: { inline: boolean; stack: string[] },
  ): Schema {
    switch (type.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      default:
        break;
    }
    if (ts.isLiteralTypeNode(type)) {
      return ts.isStringLiteral(type.literal) ? { type: 'string' } : {};
    }
    if (ts.isArrayTypeNode(type)) {
      return {
        type: 'array',
        items: this.itemSchema(type.elementType, file, context),
      };
    }
    if (ts.isUnionTypeNode(type)) {
      const literals = type.types.filter(
        (t): t is ts.LiteralTypeNode =>
          ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal),
      );
      if (literals.length === type.types.length) {
        return {
          type: 'string',
          enum: literals.map(t => (t.literal as ts.StringLiteral).text),
        };
      }
      const kinds = new Set(type.types.map(t => t.kind));
      if (
        kinds.has(ts.SyntaxKind.StringKeyword) &&
        kinds.has(ts.SyntaxKind.NumberKeyword)
      ) {
        return { 'x-kubernetes-int-or-string': true, format: 'int-or-string' };
      }
      return this.typeSchema(type.types[0], file, context);
    }
    if (ts.isTypeLiteralNode(type)) {
      return this.membersSchema(type.members, file, context);
    }
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text;
      if (name === 'Array' && type.typeArguments?.length === 1) {
        return {
          type: 'array',
          items: this.itemSchema(type.typeArguments[0], file, context),
        };
      }
      return this.referenceSchema(file, name, context);
    }
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }

  private itemSchema(
    type: ts.TypeNode,
    file: string,
    context: { inline: boolean; stack: string[] },
  ): Schema {
    const schema = this.typeSchema(type, file, context);
    return schema.$ref ? { allOf: [schema], default: {} } : schema;
  }

  private referenceSchema(
    file: string,
    name: string,
    context: { inline: boolean; stack: string[] },
  ): Schema {
    const declaration = this.find(file, name);
    const componentName = componentNameOf(declaration.exported);
    const builtIn = componentName?.startsWith('io.k8s.') ?? false;
    if (
      ts.isTypeAliasDeclaration(declaration.node) &&
      !ts.isTypeLiteralNode(declaration.node.type)
    ) {
      // scalars and enums (Time, IntOrString, policies) are written in place
      const schema = this.declarationSchema(declaration, context);
      if (
        componentName?.endsWith('.Time') ||
        componentName?.endsWith('.MicroTime')
      ) {
        schema.format = 'date-time';
      }
      return schema;
    }
    if (componentName && (builtIn || !context.inline)) {
      this.registerComponent(declaration, componentName);
      return { $ref: `#/components/schemas/${componentName}` };
    }
    const key = `${declaration.file}#${name}`;
    if (context.stack.includes(key)) {
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    return this.declarationSchema(declaration, {
      ...context,
      stack: [...context.stack, key],
    });
  }
}

/** Where the declaration of a kind's model lives. */
export function modelFile(type: ResourceType): { file: string; name: string } {
  if (type.group === 'external-secrets.io') {
    return {
      file: path.join(
        packageDir('@kubernetes-models/external-secrets'),
        type.group,
        type.version,
        `${type.kind}.d.ts`,
      ),
      name: `I${type.kind}`,
    };
  }
  const groupDir = type.group || '';
  return {
    file: path.join(
      packageDir('kubernetes-models'),
      groupDir,
      type.version,
      `${type.kind}.d.ts`,
    ),
    name: `I${type.kind}`,
  };
}

/** Where the declaration of one of apimachinery's `meta/v1` types (`IStatus`) lives. */
export function metaModelFile(name: string): string {
  return path.join(
    packageDir('@kubernetes-models/apimachinery'),
    'apis/meta/v1',
    `${name.replace(/^I/, '')}.d.ts`,
  );
}
