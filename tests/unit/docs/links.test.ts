/**
 * Every relative link in README.md and docs/*.md resolves in a clone: to a file or folder of the
 * repository (not a git-ignored build output, not a path beside the checkout) and, where it names
 * an anchor in a Markdown file, to one of its headings.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const docs = [
  "README.md",
  ...readdirSync(join(repo, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Link targets of a Markdown text: [text](target "title"), ![alt](target), <a href="target">. */
function linkTargets(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const refs = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  const hrefs = [...text.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  return [...inline, ...refs, ...hrefs];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => slug(m[1]!)));
}

/** Files a clone has: tracked, plus new files not ignored (a doc written but not yet committed). */
const files = new Set(
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter(Boolean),
);
const isFile = (path: string): boolean => files.has(path);
const isFolder = (path: string): boolean => [...files].some((f) => f.startsWith(`${path.replace(/\/$/, "")}/`));

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

test("every relative link in README.md and docs/*.md resolves inside the repository", () => {
  const broken: string[] = [];
  for (const doc of docs) {
    const source = join(repo, doc);
    const markdown = readFileSync(source, "utf8");
    for (const target of linkTargets(markdown)) {
      if (isExternal(target)) continue;
      const [path = "", anchor] = target.split("#", 2);
      const file = path === "" ? source : resolve(dirname(source), decodeURIComponent(path));
      const rel = relative(repo, file);
      if (rel.startsWith("..")) {
        broken.push(`${doc}: ${target} (outside the repository)`);
      } else if (!isFile(rel) && !isFolder(rel)) {
        broken.push(`${doc}: ${target} (not in a clone)`);
      } else if (anchor && isFile(rel) && rel.endsWith(".md")) {
        if (!anchors(readFileSync(file, "utf8")).has(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
});

test("the link reader finds inline, reference and html links, and GitHub's heading anchors", () => {
  const md =
    '[a](x.md#b) ![i](img.png "t") `[no](code.md)`\n[r]: ../y.md\n<a href="z/">z</a>\n```\n[no](fence.md)\n```';
  assert.deepEqual(linkTargets(md), ["x.md#b", "img.png", "../y.md", "z/"]);
  assert.equal(slug("How it works"), "how-it-works");
  assert.equal(slug("Configuration (environment of the kernel)"), "configuration-environment-of-the-kernel");
  assert.equal(slug("`make demo`: what it does"), "make-demo-what-it-does");
});
