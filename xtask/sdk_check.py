# Drive the emulator with Genesys' own Python SDK, unchanged but for the host.
import PureCloudPlatformClientV2 as gc
import os
gc.configuration.host = os.environ["CXQA_EMULATOR_GENESYS_URL"]
client = gc.api_client.ApiClient().get_client_credentials_token("admin-client", "admin-secret")
users = gc.UsersApi(client).get_users(page_size=4, state="any")
print("users", users.total, [u.state for u in users.entities], "next", users.next_uri)
body = gc.ConversationQuery()
import datetime
end = datetime.datetime.now(datetime.timezone.utc)
body.interval = (end - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S.000Z") + "/" + end.strftime("%Y-%m-%dT%H:%M:%S.000Z")
body.paging = gc.PagingSpec(); body.paging.page_size = 25; body.paging.page_number = 1
details = gc.ConversationsApi(client).post_analytics_conversations_details_query(body)
print("details totalHits", details.total_hits, "conversations", len(details.conversations))
with_eval = next(c for c in details.conversations if c.evaluations)
ev = with_eval.evaluations[0]
evaluation = gc.QualityApi(client).get_quality_conversation_evaluation(with_eval.conversation_id, ev.evaluation_id, expand="evaluationForm")
print("evaluation", evaluation.status, evaluation.answers.total_score, "groups", len(evaluation.evaluation_form.question_groups))
try:
    gc.QualityApi(client).get_quality_evaluations_query()
except gc.rest.ApiException as e:
    print("evaluations query without ids ->", e.status)
forms = gc.QualityApi(client).get_quality_forms_evaluations()
print("forms", [f.name for f in forms.entities])
