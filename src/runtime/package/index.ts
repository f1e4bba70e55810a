/** The model-package loader: sources, integrity, cache and tokenizer. */
export { chooseDtype, loadPackage, type LoadedPackage, type LoadOptions } from './load-package';
export { CACHE_NAME, CacheStoragePackageCache, defaultPackageCache, type CachedModel, type PackageCache } from './package-cache';
export { createTokenizer, type UfoTokenizer } from './tokenizer';
