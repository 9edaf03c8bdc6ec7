// A small CRM subgraph for tests/e2e/test_federation_gateway.py.
//
// Deals come from the JSON file CRM_DEALS_FILE, read on every request (so the test can
// start the CRM before it knows mailgate's thread ids): a list of {id, title, mailThreadId}.
// `Deal.mailThread` references mailgate's MailThread entity by id, and the CRM
// adds `MailThread.deals`. Listens on 127.0.0.1, port 0 (or CRM_PORT), and prints
// "LISTENING <url>" once it accepts requests.
import { readFileSync } from 'node:fs';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

function deals() {
  const path = process.env.CRM_DEALS_FILE;
  try {
    return path ? JSON.parse(readFileSync(path, 'utf8')) : [];
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    "Every deal; the CRM is public in this test, mailgate is not."
    deals: [Deal!]!
  }

  type Deal @key(fields: "id") {
    id: ID!
    title: String!
    "The mail thread about this deal: an entity of mailgate's."
    mailThread: MailThread
  }

  type MailThread @key(fields: "id") {
    id: ID!
    "The CRM's deals about this thread."
    deals: [Deal!]!
  }
`);

const resolvers = {
  Query: {
    deals: () => deals(),
  },
  Deal: {
    __resolveReference: (ref) => deals().find((d) => d.id === ref.id) ?? null,
    mailThread: (deal) => (deal.mailThreadId ? { __typename: 'MailThread', id: deal.mailThreadId } : null),
  },
  MailThread: {
    __resolveReference: (ref) => ({ id: ref.id }),
    deals: (thread) => deals().filter((d) => d.mailThreadId === thread.id),
  },
};

const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.CRM_PORT ?? 0) },
});
console.log(`LISTENING ${url}`);
