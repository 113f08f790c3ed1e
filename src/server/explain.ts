// `serve --spec FILE --explain`: what the sandbox makes of a document, without serving it.
import { listOperations, loadDocument } from '../contract/operations.ts';
import { explainResources, inferResources } from '../contract/resources.ts';

export async function explainDocument(file: string): Promise<string> {
  const doc = await loadDocument(file);
  const title = `${doc.info?.title ?? file}${doc.info?.version ? ` ${doc.info.version}` : ''}`;
  return explainResources(inferResources(doc, listOperations(doc)), title);
}
