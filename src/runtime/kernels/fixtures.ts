/** Loads a PyTorch fixture written by models/kernel_fixtures.py (node tests only). */
import { readFileSync } from 'node:fs';

export function loadFixture<Case>(name: string): Case[] {
  const url = new URL(`./__fixtures__/${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: Case[] }).cases;
}
