// Drives newsrag's MCP server with the official TypeScript SDK client, over
// stdio (spawning "$NEWSRAG_BIN mcp") and over streamable HTTP (a running
// "newsrag serve" at $NEWSRAG_URL/mcp, with $NEWSRAG_API_KEY): initialize,
// list tools, call each tool, read an article resource, bad arguments, and
// a wrong key. Run by TestOfficialClients (cmd/newsrag/npm_test.go); exits
// non-zero on failure.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const mcpURL = new URL(`${process.env.NEWSRAG_URL}/mcp`);
const bearer = (key) => ({ requestInit: { headers: { Authorization: `Bearer ${key}` } } });

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

async function check(name, transport) {
  const client = new Client({ name: "newsrag-test", version: "1.0.0" });
  await client.connect(transport);
  assert.equal(client.getServerVersion().name, "newsrag", name);
  assert.ok(client.getServerCapabilities().tools, name);
  assert.match(client.getInstructions(), /ask_news/);

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["ask_news", "get_article", "list_articles", "search_news"]);
  for (const t of tools) {
    assert.ok(t.description.length > 40, `${t.name}: short description`);
    assert.equal(t.inputSchema.type, "object");
    assert.equal(t.outputSchema.type, "object");
  }

  // The client checks structured results against each tool's output schema.
  const search = await client.callTool({ name: "search_news", arguments: { question: "drone strikes on oil refineries", k: 3 } });
  assert.ok(!search.isError, text(search));
  const passages = search.structuredContent.passages;
  assert.equal(passages.length, 3);
  assert.equal(passages[0].n, 1);
  assert.ok(passages[0].title && passages[0].article_id && passages[0].text);

  const ask = await client.callTool({ name: "ask_news", arguments: { question: "What do Ukraine's long-range drones target inside Russia?" } });
  assert.ok(!ask.isError, text(ask));
  assert.equal(ask.structuredContent.answerable, true);
  assert.ok(ask.structuredContent.citations.length > 0);
  assert.match(ask.structuredContent.answer, /\[1\]/);
  assert.match(text(ask), /\n\nSources:\n- \[1\]/);

  const followUp = await client.callTool({ name: "ask_news", arguments: {
    question: "and what about refineries?",
    history: [{ role: "user", content: "What do Ukraine's long-range drones target inside Russia?" },
      { role: "assistant", content: ask.structuredContent.answer }],
  } });
  assert.ok(!followUp.isError, text(followUp));

  const id = passages[0].article_id;
  const article = await client.callTool({ name: "get_article", arguments: { id } });
  assert.ok(!article.isError, text(article));
  assert.equal(article.structuredContent.id, id);
  assert.ok(article.structuredContent.text.length > 1000);
  assert.ok(text(article).startsWith(`# ${article.structuredContent.title}`));

  const page1 = await client.callTool({ name: "list_articles", arguments: { limit: 2 } });
  assert.ok(!page1.isError, text(page1));
  assert.equal(page1.structuredContent.total, 5);
  assert.equal(page1.structuredContent.articles.length, 2);
  assert.equal(page1.structuredContent.next_offset, 2);
  const last = await client.callTool({ name: "list_articles", arguments: { offset: 4, limit: 2 } });
  assert.equal(last.structuredContent.articles.length, 1);
  assert.equal(last.structuredContent.next_offset, undefined);

  const { resources } = await client.listResources();
  assert.equal(resources.length, 5);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((r) => r.uriTemplate), ["newsrag://articles/{+id}"]);
  const res = await client.readResource({ uri: `newsrag://articles/${id}` });
  assert.equal(res.contents[0].mimeType, "text/markdown");
  assert.ok(res.contents[0].text.includes(article.structuredContent.title));

  // Bad arguments: tool errors that say what to fix.
  const bad = [
    [{ name: "search_news", arguments: { question: "drones", k: 99 } }, /k must be between 1 and 50/],
    [{ name: "search_news", arguments: { question: "drones", k: "three" } }, /k/],
    [{ name: "search_news", arguments: { question: "drones", from: "last week" } }, /"last week" is not a date/],
    [{ name: "ask_news", arguments: { question: "   " } }, /question is empty/],
    [{ name: "get_article", arguments: { id: "no/such/article" } }, /not found/],
    [{ name: "list_articles", arguments: { limit: 0, offset: -1 } }, /offset must not be negative/],
  ];
  for (const [call, want] of bad) {
    const r = await client.callTool(call);
    assert.equal(r.isError, true, `${JSON.stringify(call)} was accepted`);
    assert.match(text(r), want);
  }
  // The server still answers after them.
  await client.ping();
  await client.close();
  console.log(`mcp client over ${name}: all checks passed`);
}

await check("stdio", new StdioClientTransport({
  command: process.env.NEWSRAG_BIN, args: ["mcp"], env: { ...process.env }, stderr: "inherit",
}));
await check("streamable HTTP", new StreamableHTTPClientTransport(mcpURL, bearer(process.env.NEWSRAG_API_KEY)));

// A wrong key: the connection is refused.
await assert.rejects(new Client({ name: "newsrag-test", version: "1.0.0" })
  .connect(new StreamableHTTPClientTransport(mcpURL, bearer("not-the-key"))), /401|Unauthorized|API key/i);
console.log("mcp client: wrong key refused");
