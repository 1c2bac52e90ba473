import { createRequire } from 'node:module';

/** The part of dcmjs this file reads: its PS3.6 data dictionary, keyed "(GGGG,EEEE)", repeating groups resolved. */
interface DcmjsDictionary {
  data: { DicomMetaDictionary: { dictionary: Record<string, { name?: string } | undefined> } };
}

let dictionary: DcmjsDictionary['data']['DicomMetaDictionary']['dictionary'] | null = null;

/** Loaded on the first lookup: dcmjs is large, and most decode workers never list tags. */
function standardDictionary(): NonNullable<typeof dictionary> {
  dictionary ??= (createRequire(import.meta.url)('dcmjs') as DcmjsDictionary).data.DicomMetaDictionary.dictionary;
  return dictionary;
}

/** "InstanceCreatorUID" → "Instance Creator UID": the dictionary's keyword, readable. */
export function keywordToWords(keyword: string): string {
  return keyword.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

/** The attribute's name for a tag written as 8 hex digits ("00080014"), from the standard's dictionary. */
export function tagName(hex: string): string {
  const group = hex.slice(0, 4).toUpperCase();
  const element = hex.slice(4).toUpperCase();
  if (parseInt(group, 16) % 2 === 1) return element === '0000' ? 'Group Length' : 'Private tag';
  const keyword = standardDictionary()[`(${group},${element})`]?.name;
  if (keyword) return keywordToWords(keyword);
  return element === '0000' ? 'Group Length' : 'Unknown';
}

/** Item and sequence delimiters (FFFE,E000/E00D/E0DD): encoding structure, not attributes. */
export function isDelimiter(hex: string): boolean {
  return hex.toUpperCase().startsWith('FFFE');
}
