/** Annotations nerd puts in a container's spec for its OCI hook, which gets them in the state on stdin. */
export const ANNOTATION_DATA_ROOT = 'nerd/data-root'
export const ANNOTATION_NAMESPACE = 'nerd/namespace'
