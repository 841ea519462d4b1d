// Drives a running "newsrag serve" with the official OpenAI client:
// models, a completion, the same completion streamed, an answer that is
// not in the corpus, and the errors of a bad request, an unknown model and
// a wrong API key. Run by TestOfficialClients (cmd/newsrag/npm_test.go)
// with NEWSRAG_URL and NEWSRAG_API_KEY set; exits non-zero on failure.
import assert from "node:assert/strict";
import OpenAI from "openai";

const baseURL = `${process.env.NEWSRAG_URL}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.NEWSRAG_API_KEY, maxRetries: 0 });
const question = "What do Ukraine's long-range drones target inside Russia?";
const messages = [
  { role: "system", content: "Answer briefly." },
  { role: "user", content: question },
];

// Models: one, newsrag.
const models = [];
for await (const m of client.models.list()) models.push(m);
assert.deepEqual(models.map((m) => m.id), ["newsrag"]);
assert.equal(models[0].answerer, "extractive");

// A completion: the cited answer, its sources, structured citations, usage.
const c = await client.chat.completions.create({ model: "newsrag", messages, temperature: 0 });
assert.equal(c.object, "chat.completion");
assert.equal(c.choices.length, 1);
assert.equal(c.choices[0].finish_reason, "stop");
const text = c.choices[0].message.content;
assert.match(text, /\[1\]/);
assert.match(text, /\n\nSources:\n- \[1\]/);
assert.match(text, /Sky News/);
assert.equal(c.newsrag.answerable, true);
assert.equal(c.newsrag.mode, "extracted");
assert.ok(c.newsrag.citations.length > 0);
assert.equal(c.newsrag.citations[0].article_id, "long-range-drone-strikes-weakening-russia");
assert.ok(c.newsrag.citations[0].quote.length > 0);
assert.ok(c.usage.prompt_tokens > 0 && c.usage.completion_tokens > 0);
assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);

// The same, streamed: the same text, the citations with the last choice.
const stream = await client.chat.completions.create({
  model: "newsrag", messages, stream: true, stream_options: { include_usage: true },
});
let streamed = "";
let chunks = 0;
let finish = null;
let cited = null;
let usage = null;
for await (const chunk of stream) {
  chunks++;
  assert.equal(chunk.object, "chat.completion.chunk");
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    streamed += choice.delta.content ?? "";
    if (choice.finish_reason) {
      finish = choice.finish_reason;
      cited = chunk.newsrag;
    }
  }
}
assert.equal(streamed, text);
assert.ok(chunks >= 5, `only ${chunks} chunks`);
assert.equal(finish, "stop");
assert.deepEqual(cited.citations, c.newsrag.citations);
assert.equal(usage.completion_tokens, c.usage.completion_tokens);

// A follow-up: the history (with the sources the reply carried) goes along.
const follow = await client.chat.completions.create({
  model: "newsrag",
  messages: [...messages, { role: "assistant", content: text }, { role: "user", content: "What do they hit at the refineries?" }],
});
assert.equal(follow.choices[0].finish_reason, "stop");
assert.ok(follow.choices[0].message.content.length > 0);

// Not in the corpus: an ordinary answer saying so.
const none = await client.chat.completions.create({
  model: "newsrag", messages: [{ role: "user", content: "Who won the 1966 football World Cup final at Wembley?" }],
});
assert.equal(none.newsrag.answerable, false);
assert.match(none.choices[0].message.content, /does not appear to contain an answer/);
assert.deepEqual(none.newsrag.citations, []);

// A bad request, an unknown model, a wrong key: OpenAI's errors.
await assert.rejects(client.chat.completions.create({ model: "newsrag", messages: [] }), (e) => {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e));
  assert.equal(e.param, "messages");
  assert.equal(e.type, "invalid_request_error");
  assert.match(e.message, /messages is empty/);
  return true;
});
await assert.rejects(client.chat.completions.create({ model: "gpt-4o", messages }), (e) => {
  assert.ok(e instanceof OpenAI.NotFoundError, String(e));
  assert.equal(e.code, "model_not_found");
  return true;
});
const wrongKey = new OpenAI({ baseURL, apiKey: "not-the-key", maxRetries: 0 });
await assert.rejects(wrongKey.chat.completions.create({ model: "newsrag", messages }), (e) => {
  assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
  assert.equal(e.code, "invalid_api_key");
  return true;
});
await assert.rejects(wrongKey.models.list(), OpenAI.AuthenticationError);

console.log("openai client: all checks passed");
