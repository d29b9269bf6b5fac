export const schemaFile: URL;
export function render(): Promise<string>;
