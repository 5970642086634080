import protobuf from 'protobufjs';

/**
 * kubectl's typed clients (`kubectl auth can-i`) post the authorization reviews as Kubernetes
 * protobuf (`application/vnd.kubernetes.protobuf`): the magic `k8s\0`, then a `runtime.Unknown`
 * envelope whose `raw` bytes are the object. This decodes the two self-subject reviews into the
 * JSON shape the rest of the emulator reads; answers stay JSON, which those clients accept.
 * Decoding is needed: kubectl 1.32/1.33 does not retry in JSON when a protobuf body is answered
 * `415 UnsupportedMediaType` (tried: `auth can-i` then fails).
 * Field numbers are those of k8s.io/api/authorization/v1/generated.proto and
 * k8s.io/apimachinery/pkg/runtime/generated.proto.
 */

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const root = protobuf.Root.fromJSON({
  nested: {
    TypeMeta: {
      fields: {
        apiVersion: { type: 'string', id: 1 },
        kind: { type: 'string', id: 2 },
      },
    },
    Unknown: {
      fields: {
        typeMeta: { type: 'TypeMeta', id: 1 },
        raw: { type: 'bytes', id: 2 },
        contentEncoding: { type: 'string', id: 3 },
        contentType: { type: 'string', id: 4 },
      },
    },
    ResourceAttributes: {
      fields: {
        namespace: { type: 'string', id: 1 },
        verb: { type: 'string', id: 2 },
        group: { type: 'string', id: 3 },
        version: { type: 'string', id: 4 },
        resource: { type: 'string', id: 5 },
        subresource: { type: 'string', id: 6 },
        name: { type: 'string', id: 7 },
      },
    },
    NonResourceAttributes: {
      fields: {
        path: { type: 'string', id: 1 },
        verb: { type: 'string', id: 2 },
      },
    },
    SelfSubjectAccessReviewSpec: {
      fields: {
        resourceAttributes: { type: 'ResourceAttributes', id: 1 },
        nonResourceAttributes: { type: 'NonResourceAttributes', id: 2 },
      },
    },
    SelfSubjectAccessReview: {
      fields: { spec: { type: 'SelfSubjectAccessReviewSpec', id: 2 } },
    },
    SelfSubjectRulesReviewSpec: {
      fields: { namespace: { type: 'string', id: 1 } },
    },
    SelfSubjectRulesReview: {
      fields: { spec: { type: 'SelfSubjectRulesReviewSpec', id: 2 } },
    },
  },
});

const DECODABLE = new Set([
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
]);

/** Whether a request's `Content-Type` is Kubernetes protobuf. */
export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim() === PROTOBUF_CONTENT_TYPE;
}

/**
 * The JSON form of a protobuf-encoded self-subject review of kind `kind`; an error message for a
 * body that is not one (the caller answers it as a `400`).
 */
export function decodeProtobufReview(
  bytes: Uint8Array,
  kind: string,
): Record<string, unknown> | string {
  if (!DECODABLE.has(kind)) {
    return `${kind} cannot be decoded from protobuf by this server`;
  }
  const buffer = Buffer.from(bytes);
  if (buffer.length < MAGIC.length || !buffer.subarray(0, 4).equals(MAGIC)) {
    return 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]';
  }
  try {
    const unknown = root
      .lookupType('Unknown')
      .toObject(root.lookupType('Unknown').decode(buffer.subarray(4)), {
        defaults: false,
      }) as {
      typeMeta?: { kind?: string; apiVersion?: string };
      raw?: Uint8Array;
    };
    if (unknown.typeMeta?.kind && unknown.typeMeta.kind !== kind) {
      return `the object is a ${unknown.typeMeta.kind}, not a ${kind}`;
    }
    const type = root.lookupType(kind);
    const object = type.toObject(type.decode(unknown.raw ?? new Uint8Array()), {
      defaults: false,
    }) as Record<string, unknown>;
    return {
      apiVersion: unknown.typeMeta?.apiVersion || 'authorization.k8s.io/v1',
      kind,
      ...object,
    };
  } catch (error) {
    return `the protobuf body could not be decoded: ${
      (error as Error).message
    }`;
  }
}
