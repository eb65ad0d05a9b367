/** pull's defaults, in a module of their own: `nerd pull`'s flag definitions read them at start-up, before the pull code loads. */
export const DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3
