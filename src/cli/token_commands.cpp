// voxfra token create|list|revoke: the Management API's bearer tokens
// (api/api_tokens.h). A token is printed once, when it is made; the store
// keeps only its SHA-256.
#include "api/api_tokens.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::size_t kMaxNameLength = 200;

std::string scope_text(const ApiToken& t) { return t.scope == kAllOrgs ? "all orgs" : "org " + t.scope; }

int token_create(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("token create takes no argument \"" + operands.front() + "\"");
  auto org = args.value("org");
  if (org.has_value() == args.has("all")) throw UsageError("token create needs --org O or --all (one of them)");
  std::string scope = org ? check_name("org", *org) : std::string(kAllOrgs);
  std::string name = args.value("name").value_or("");
  TokenRole role = TokenRole::read;
  if (auto r = args.value("role")) {
    auto parsed = token_role_from_name(*r);
    if (!parsed) throw UsageError("--role \"" + *r + "\": one of read, write, admin");
    role = *parsed;
  }
  if (name.size() > kMaxNameLength) throw UsageError("--name is longer than 200 characters");

  auto store = open_store(cli, Access::create);
  IssuedApiToken issued = issue_api_token(scope, name, role, now_millis());
  Txn txn(*store, true);
  save_api_token(txn.get(), *store, issued.record);
  txn.commit();

  const ApiToken& t = issued.record;
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_object().field("id", t.id).field("token", issued.token).field("scope", t.scope);
    w.field("role", token_role_name(t.role)).field("name", t.name);
    write_time(w, "createdAt", t.created_at);
    w.end_object();
    doc.print(*cli.out);
    return 0;
  }
  print_fields(*cli.out, {{"id", t.id},
                          {"token", issued.token},
                          {"scope", scope_text(t)},
                          {"role", std::string(token_role_name(t.role))},
                          {"name", t.name}});
  *cli.out << "\nKeep the token now: only its SHA-256 is stored, and it is never shown again.\n";
  return 0;
}

int token_list(const Cli& cli, const Args&, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("token list takes no argument \"" + operands.front() + "\"");
  auto store = open_store(cli, Access::read);
  Txn txn(*store, false);
  std::vector<ApiToken> tokens = all_api_tokens(txn.get(), *store);
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_array();
    for (const ApiToken& t : tokens) {
      w.begin_object().field("id", t.id).field("scope", t.scope).field("role", token_role_name(t.role));
      w.field("name", t.name);
      w.field("status", t.revoked() ? "revoked" : "active");
      write_time(w, "createdAt", t.created_at);
      write_time(w, "revokedAt", t.revoked_at);
      w.end_object();
    }
    w.end_array();
    doc.print(*cli.out);
    return 0;
  }
  Table table({"ID", "SCOPE", "ROLE", "NAME", "STATUS", "CREATED", "REVOKED"});
  for (const ApiToken& t : tokens) {
    table.add_row({t.id, t.scope, std::string(token_role_name(t.role)), t.name.empty() ? "-" : t.name,
                   t.revoked() ? "revoked" : "active",
                   time_or_dash(t.created_at), time_or_dash(t.revoked_at)});
  }
  table.print(*cli.out);
  return 0;
}

int token_revoke(const Cli& cli, const Args&, std::span<const std::string> operands) {
  const std::string& id = single_operand(operands, "token revoke", "ID");
  auto store = open_store(cli, Access::write);
  Txn txn(*store, true);
  auto token = find_api_token(txn.get(), *store, id);
  if (!token) throw CommandError("no token with id \"" + id + "\"");
  if (!token->revoked()) {
    token->revoked_at = now_millis();
    save_api_token(txn.get(), *store, *token);
    txn.commit();
  }
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_object().field("id", token->id).field("scope", token->scope).field("status", "revoked");
    write_time(w, "revokedAt", token->revoked_at);
    w.end_object();
    doc.print(*cli.out);
  } else {
    *cli.out << "revoked " << token->id << " (" << scope_text(*token) << ")\n";
  }
  return 0;
}

constexpr Command kTokenCommands[] = {
    {"token", "create", "--org O | --all [--role read|write|admin] [--name N]", "org all role name", token_create},
    {"token", "list", "", "", token_list},
    {"token", "revoke", "ID", "", token_revoke},
};

}  // namespace

std::span<const Command> token_commands() { return kTokenCommands; }

}  // namespace voxfra::cli
