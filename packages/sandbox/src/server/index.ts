export { Sandbox, DEFAULT_SANDBOX_PORTS } from './Sandbox';
export type { SandboxInfo, SandboxOptions, SandboxPorts } from './Sandbox';
export { FAULT_NAMES, STALE_KUBERNETES_HOST } from './SandboxFaults';
export type { ActiveFault, FaultName } from './SandboxFaults';
export { GITOPS_OWNER, GITOPS_REPO } from './seedSandbox';
export { SANDBOX_FILES } from './sandboxFiles';

// for other packages' tests: the sandbox's Argo CD sync, the platform it installs in a cluster
// and the backend's shipped deploy files as the sandbox reads them
export { ArgoSync } from './ArgoSync';
export {
  BACKEND_DEPLOY_DIR,
  readBackendClusterRole,
  readBackendVaultPolicy,
} from './backendDeployFiles';
export {
  BACKEND_NAMESPACE,
  BACKEND_SERVICE_ACCOUNT,
  ESO_NAMESPACE,
  ESO_SERVICE_ACCOUNT,
  REVIEWER_NAMESPACE,
  REVIEWER_SERVICE_ACCOUNT,
  SANDBOX_ADMIN,
  installPlatform,
} from './seedSandbox';
export {
  createCertificateAuthority,
  issueServerCertificate,
} from './certificates';
export type { CertificateAuthority, ServerCertificate } from './certificates';
