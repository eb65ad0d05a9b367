// @ts-check
// Refuses, before anything is unpacked, an image whose config carries the label org.example.veto.

/** @type {import('nerd/sdk').NerdHook<'nerd:image:verify'>} */
export default async function verify(payload) {
  const veto = payload.config.config?.Labels?.['org.example.veto']
  if (veto !== undefined) return {verified: false, reason: `the image is labelled org.example.veto=${veto}`}
  return undefined
}
