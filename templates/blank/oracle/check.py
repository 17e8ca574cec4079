# The oracle's script: it runs as `evaluate`, in a root-only copy of oracle/,
# after every process of `run` has ended; its last stdout line is the metrics.
# Read the workspace ($BATON_WORKSPACE) and the run's outputs ($BATON_OUT) as
# data only: never import or execute them.
import json, os
# Replace with a real measurement of the workspace.
done = os.path.isfile(os.path.join(os.environ["BATON_WORKSPACE"], "DONE"))
print(json.dumps({"done": 1 if done else 0}))
