# Vault policy of the gitops-secrets Backstage backend token (`externalSecrets.vault.auth`),
# shared by the scaffolder actions (vault:policy:create, vault:kubernetes-role:create,
# vault:kv:seed) and the status backend's diagnosis. Configuration only: it writes ACL policies,
# Kubernetes-auth roles and new KV secrets, and reads auth config, roles, policies and KV
# metadata; it can never read a KV secret value.
#
#   vault policy write backstage deploy/vault-policy.hcl
#   vault token create -policy=backstage -period=720h
#
# The token also carries Vault's `default` policy (auth/token/lookup-self, renew-self): the
# backend's Vault client looks itself up to tell a refused token from a denied path, so do not
# create the token with -no-default-policy.
#
# Written for KV v2 mounted at `secret` and Kubernetes auth at `kubernetes`: change the mount
# names to yours. The KV version of a mount is read from sys/internal/ui/mounts/<mount>, which
# Vault answers to any token with a capability below the mount (no rule needed here).

# vault:policy:create writes one policy per service; diagnosis reads the policies of a role.
path "sys/policies/acl/*" {
  capabilities = ["read", "update"]
}
# ...but never this token's own policy or Vault's default one, which would widen every token.
path "sys/policies/acl/backstage" {
  capabilities = ["read"]
}
path "sys/policies/acl/default" {
  capabilities = ["read"]
}

# Diagnosis compares Vault's Kubernetes auth config with the cluster (the reviewer JWT is never returned).
path "auth/kubernetes/config" {
  capabilities = ["read"]
}

# Diagnosis reads any store's role; vault:kubernetes-role:create writes only the services' own
# roles, `external-secrets-<service>[.<suffix>]` (create for a new role, update with overwrite).
path "auth/kubernetes/role/*" {
  capabilities = ["read"]
}
path "auth/kubernetes/role/external-secrets-*" {
  capabilities = ["create", "read", "update"]
}

# vault:kv:seed writes new secrets only (check-and-set 0): create, never read or update.
path "secret/data/*" {
  capabilities = ["create"]
}

# vault:kv:seed checks that a key is new, diagnosis that a referenced key exists: metadata only.
path "secret/metadata/*" {
  capabilities = ["read"]
}
