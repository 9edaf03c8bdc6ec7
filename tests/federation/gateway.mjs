// An Apollo Gateway over mailgate and the CRM, for tests/e2e/test_federation_gateway.py.
//
// SUBGRAPHS is a JSON object {name: url}. The gateway fetches each subgraph's SDL
// with `{ _service { sdl } }`, composes them with @apollo/composition (exits 2 on
// composition errors, printing them), optionally writes the supergraph to
// SUPERGRAPH_OUT, and serves it on 127.0.0.1, port 0 (or GATEWAY_PORT). The client's
// Authorization header is forwarded to the subgraphs named in FORWARD_AUTH (comma-separated).
// Prints "LISTENING <url>" once it accepts requests.
import { writeFileSync } from 'node:fs';

import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';

const subgraphs = JSON.parse(process.env.SUBGRAPHS ?? '{}');
const forwardAuth = new Set((process.env.FORWARD_AUTH ?? '').split(',').filter(Boolean));

async function fetchSdl(name, url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (!response.ok || body.errors || !body.data?._service?.sdl) {
    throw new Error(`${name} (${url}) answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.data._service.sdl;
}

const services = await Promise.all(
  Object.entries(subgraphs).map(async ([name, url]) => ({ name, url, typeDefs: parse(await fetchSdl(name, url)) })),
);
const composed = composeServices(services);
if (composed.errors) {
  console.error('composition failed:');
  for (const error of composed.errors) console.error(`- ${error.extensions?.code ?? ''} ${error.message}`);
  process.exit(2);
}
for (const hint of composed.hints ?? []) console.error(`hint: ${hint.definition?.code ?? ''} ${hint.message}`);
if (process.env.SUPERGRAPH_OUT) writeFileSync(process.env.SUPERGRAPH_OUT, composed.supergraphSdl);

class ForwardAuthorization extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set('authorization', context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ name, url }) =>
    forwardAuth.has(name) ? new ForwardAuthorization({ url }) : new RemoteGraphQLDataSource({ url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.GATEWAY_PORT ?? 0) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`LISTENING ${url}`);
