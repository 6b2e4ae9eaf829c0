"""The recurring questions of the demo's history: what customers ask, in their words, and what
the analysts answer. Read by write_demo_history.py; the file it writes is what ships."""

# Each kind: team, tags, how often it comes up in 60 days, subjects, openings (the customer's
# first message; {id}, {region}, {bucket}, {amount}, {invoice} are filled in), a clarifying
# question some analysts ask first, the customer's answer to it, and the answer: the same each
# time, as analysts paste it; where the handbook has the answer, the handbook's, by its id.
KINDS = [
    # --- Compute ---
    {
        "team": "compute",
        "tags": ["ssh", "access"],
        "priority": "high",
        "repeats": 12,
        "subjects": [
            "Permission denied (publickey) after key change",
            "can't ssh into instance anymore",
            "SSH key reset in console doesn't work",
        ],
        "openings": [
            "We replaced our SSH key yesterday and now ssh to {id} ({region}) fails with "
            "'Permission denied (publickey)'. The console's Reset SSH access says success but "
            "nothing changes.",
            "hi, locked out of {id}. used the reset ssh key button, pasted the new public key, "
            "still Permission denied (publickey). what am I missing?",
            "After rotating keys our deploy user can't log in to {id} in {region}: Permission "
            "denied (publickey). Nothing else changed on the box.",
        ],
        "answer": "The console's key reset is applied by the guest agent inside the VM, and "
        "agents older than 2.4 accept the request but never apply it. Check the version with "
        "`nimbus instance describe INSTANCE --agent`. If it is older, add the key through a "
        "rescue volume: stop the instance, detach its root volume, attach it to another Linux "
        "instance in the same region, append the new key to "
        "`/home/USER/.ssh/authorized_keys` on it, then attach it back as the root volume and "
        "start. Afterwards update the agent with `sudo apt install nimbus-guest-agent` so the "
        "console reset works next time.",
    },
    {
        "team": "compute",
        "tags": ["quota"],
        "priority": "normal",
        "repeats": 10,
        "subjects": [
            "vCPU quota exceeded",
            "QuotaExceeded when launching instances",
            "Need more CPUs in {region}",
        ],
        "openings": [
            "Launching 4 more c3.xlarge in {region} fails with 'QuotaExceeded: vCPU limit of 32 "
            "reached'. How do we get more?",
            "our scale-out hit the vCPU limit in {region} again. can you raise it to 96?",
            "Autoscaling could not add instances last night, the activity log says vCPU quota "
            "exceeded. What is the process to increase it?",
        ],
        "handbook": "kb-quota-increase",
    },
    {
        "team": "compute",
        "tags": ["instance", "stuck"],
        "priority": "high",
        "repeats": 6,
        "subjects": [
            "Instance stuck in stopping",
            "{id} has been 'stopping' for an hour",
            "can't stop VM",
        ],
        "openings": [
            "{id} in {region} has been in 'stopping' for 45 minutes. I can't start or "
            "terminate it either.",
            "instance stuck at stopping since this morning, {id}. stop again does nothing",
            "Our worker {id} ({region}) hangs in the stopping state; we need it back for a "
            "batch job. What can we do?",
        ],
        "answer": "A stop waits for the operating system to shut down, and a process that "
        "ignores the shutdown signal can hold it. Force it with `nimbus instance stop INSTANCE "
        "--force` (or Actions > Force stop in the console): that powers the VM off like "
        "pulling the plug, so unsaved data in memory is lost. It takes up to five minutes. If "
        "it is still stopping after that, reply with the instance id and we stop it on the host.",
        "clarify": "Could you send the instance id and the region, so we can look at the host?",
        "clarified": "Sure: {id} in {region}.",
    },
    {
        "team": "compute",
        "tags": ["instance", "resize"],
        "priority": "low",
        "repeats": 7,
        "subjects": [
            "Change instance size",
            "upgrade from s2.small to s2.medium",
            "Resize VM - will I lose data?",
        ],
        "openings": [
            "hi, we want to move {id} to a bigger type. do we lose the disk? do we need to "
            "stop it?",
            "What's the process to change the instance type of {id}? It's our database so we "
            "can't lose anything.",
            "Can I resize an instance without reinstalling? {id} in {region} needs more memory.",
        ],
        "answer": "Stop the instance, choose Actions > Change type (or `nimbus instance "
        "set-type INSTANCE --type NEW_TYPE`), and start it again. The root and data volumes, "
        "the private IP and any reserved IP stay as they are; only what was in memory is lost, "
        "and the instance is down for the minute or two the restart takes.",
    },
    {
        "team": "compute",
        "tags": ["kubernetes", "upgrade"],
        "priority": "high",
        "repeats": 8,
        "subjects": [
            "Node pool stuck updating",
            "NKS upgrade not progressing",
            "Kubernetes upgrade stuck on 2 of 6 nodes",
        ],
        "openings": [
            "Our node pool has shown 'Updating' for 4 hours after starting the upgrade to 1.29. "
            "Only some nodes moved. Is it safe to cancel?",
            "NKS cluster in {region}: version upgrade stuck, half the nodes are on the new "
            "version and nothing happens.",
            "The node pool upgrade seems frozen. No errors, just the spinner. What's blocking it?",
        ],
        "handbook": "kb-k8s-upgrade",
    },
    {
        "team": "compute",
        "tags": ["autoscaling"],
        "priority": "normal",
        "repeats": 7,
        "subjects": [
            "Autoscaling group not scaling in",
            "ASG stays at max after traffic drops",
            "why is my ASG not scaling down",
        ],
        "openings": [
            "Our ASG scaled out to 12 during a spike and it's still at 12 with CPU at 10%. "
            "Target tracking at 50%. Why doesn't it come down?",
            "the autoscaling group never scales in, we pay for idle instances every night",
            "ASG in {region} scaled out fine but stays at max size for hours afterwards.",
        ],
        "handbook": "kb-autoscaling-scale-in",
    },
    {
        "team": "compute",
        "tags": ["network", "ip"],
        "priority": "normal",
        "repeats": 4,
        "subjects": [
            "Public IP changed after restart",
            "lost my IP address after stop/start",
            "Keep the same public IP",
        ],
        "openings": [
            "We stopped {id} for maintenance and when it came back it had a different public "
            "IP. Our customers allowlist our IP. How do we keep it fixed?",
            "public ip of {id} changed after a reboot from the console, dns now points nowhere",
            "Is there a way to keep the same public address when an instance is stopped and "
            "started?",
        ],
        "answer": "An instance's automatic public IP is released when it stops. For an "
        "address that stays, reserve one (Network > Reserved IPs > Reserve, in the instance's "
        "region) and associate it with the instance; it stays with the instance across stops "
        "and can be moved to another instance. A reserved IP is free while attached to a "
        "running instance and billed hourly while idle.",
    },
    {
        "team": "compute",
        "tags": ["network", "unreachable"],
        "priority": "urgent",
        "repeats": 6,
        "subjects": [
            "Instances unreachable, instance status check failing",
            "web nodes not responding",
            "Production instances failing status checks",
        ],
        "openings": [
            "Two of our web nodes in {region} stopped responding: {id} and another. Console "
            "says running but the instance status check fails and the load balancer marked "
            "them unhealthy. This is production.",
            "URGENT {id} unreachable, status checks 1/2, can't ssh",
            "Several instances in {region} stopped answering at the same time. Status checks "
            "show the instance check failing. What's going on?",
        ],
        "answer": "A failing instance check with a passing system check means the host is "
        "fine and the operating system inside stopped answering: most often a full root "
        "disk, memory exhaustion or a network change made by an update. Look at Console > "
        "Instance > Serial log for the cause. A reboot (Actions > Reboot) usually brings the "
        "instance back at once; if the serial log shows the disk is full, free space through a "
        "rescue volume before rebooting.",
    },
    {
        "team": "compute",
        "tags": ["boot", "kernel"],
        "priority": "high",
        "repeats": 8,
        "subjects": [
            "VM won't boot after kernel update",
            "Kernel panic after unattended upgrades",
            "instance stuck at boot",
        ],
        "openings": [
            "After last night's updates {id} ({region}) doesn't come back. Serial console ends "
            "with: Kernel panic - not syncing: VFS: Unable to mount root fs on "
            "unknown-block(0,0). We'd rather not restore the snapshot and lose a day of data.",
            "server won't start after apt upgrade, console shows a kernel panic",
            "Our VM {id} is stuck at boot since the kernel upgrade. Serial log: Kernel panic - "
            "not syncing. How do we get it back without reinstalling?",
        ],
        "handbook": "kb-kernel-panic",
    },
    {
        "team": "compute",
        "tags": ["network", "ip"],
        "priority": "normal",
        "repeats": 6,
        "subjects": [
            "Can't attach reserved IP",
            "reserved IP cannot be associated",
            "Paying for an IP I can't attach",
        ],
        "openings": [
            "Moving our reserved IP to the new server fails with 'InvalidState: address cannot "
            "be associated'. And we're billed for it while it's idle.",
            "error when assigning our static IP to {id}: address cannot be associated with the "
            "target interface",
            "I can't attach the reserved address to our new VM in {region}. The old VM is "
            "already terminated. What am I doing wrong?",
        ],
        "handbook": "kb-ip-attach",
    },
    # --- Storage ---
    {
        "team": "storage",
        "tags": ["volume"],
        "priority": "normal",
        "repeats": 10,
        "subjects": [
            "Make a volume bigger",
            "disk almost full, can we grow it?",
            "Extend block volume",
        ],
        "openings": [
            "Our data volume on {id} is 95% full. Can we grow it without making a new volume?",
            "how do i increase the size of an attached volume? it's 100 GB and we need 250",
            "We resized the volume in the console but df still shows the old size. What else "
            "is needed?",
        ],
        "handbook": "kb-resize-volume",
    },
    {
        "team": "storage",
        "tags": ["upload", "multipart"],
        "priority": "normal",
        "repeats": 8,
        "subjects": [
            "Uploads over 5GB fail with EntityTooLarge",
            "Large file upload fails",
            "EntityTooLarge on PUT",
        ],
        "openings": [
            "Uploading a 7 GB backup to {bucket} fails with EntityTooLarge. Smaller files work.",
            "our nightly export to the bucket broke once the file passed 5GB: EntityTooLarge",
            "Is there a size limit on objects? PUT of a 12 GB video to {bucket} returns "
            "EntityTooLarge.",
        ],
        "answer": "A single PUT is limited to 5 GB; larger objects must be uploaded in parts "
        "(multipart upload, up to 5 TB per object). `nimbus storage cp` and the S3-compatible "
        "SDKs switch to multipart automatically above a threshold; with your own client, use "
        "CreateMultipartUpload, UploadPart (5 MB to 5 GB each) and CompleteMultipartUpload.",
    },
    {
        "team": "storage",
        "tags": ["snapshot", "restore"],
        "priority": "high",
        "repeats": 6,
        "subjects": [
            "Restore files from a snapshot",
            "need to get a deleted folder back",
            "How do I restore a snapshot?",
        ],
        "openings": [
            "Someone deleted a folder on our file server yesterday. We have last night's "
            "snapshot of the volume. How do we get only that folder back?",
            "how do i restore from a snapshot without overwriting the current disk?",
            "We need yesterday's version of a few files from vol snapshots. Can we mount a "
            "snapshot somewhere?",
        ],
        "answer": "Create a new volume from the snapshot (Snapshots > Create volume, in the "
        "same availability zone as the instance), attach it to the instance as a second disk "
        "and mount it read-only: `sudo mount -o ro /dev/vdc1 /mnt/restore`. Copy back what you "
        "need, then unmount, detach and delete the extra volume. The current volume is not "
        "touched.",
    },
    {
        "team": "storage",
        "tags": ["volume", "detach"],
        "priority": "urgent",
        "repeats": 8,
        "subjects": [
            "Volume stuck in detaching",
            "can't detach volume",
            "VolumeInUse on force detach",
        ],
        "openings": [
            "A volume has been 'detaching' for 30 minutes and force detach says VolumeInUse. "
            "We need to attach it to the replacement host.",
            "volume stuck detaching, the instance is already stopped. help",
            "Detach of our data volume never finishes. Can you release it on your side?",
        ],
        "handbook": "kb-detach-stuck",
        "clarify": "Could you send the volume id, the instance it was attached to and the "
        "region, so we can check it on our side?",
        "clarified": "vol-0c41d9 on {id}, {region}.",
    },
    {
        "team": "storage",
        "tags": ["bucket", "cors"],
        "priority": "normal",
        "repeats": 4,
        "subjects": [
            "CORS error loading files from bucket",
            "browser blocks requests to bucket",
            "No 'Access-Control-Allow-Origin' header",
        ],
        "openings": [
            "Our web app loads fonts from {bucket} and the browser says: No "
            "'Access-Control-Allow-Origin' header is present. Direct links work.",
            "getting CORS errors when the frontend uploads to the bucket with a presigned url",
            "How do I allow our website to fetch objects from {bucket} in the browser?",
        ],
        "answer": "The bucket needs a CORS configuration naming your site. Under Buckets > "
        "BUCKET > CORS add a rule with AllowedOrigins `https://www.example.com`, "
        "AllowedMethods `GET` (and `PUT` for browser uploads) and AllowedHeaders `*`. Browsers "
        "cache the answer to the preflight request, so try in a private window after saving.",
    },
    {
        "team": "storage",
        "tags": ["bucket", "versioning"],
        "priority": "high",
        "repeats": 5,
        "subjects": [
            "Recover deleted objects",
            "accidentally deleted files from bucket",
            "Can deleted objects be restored?",
        ],
        "openings": [
            "A script deleted a prefix in {bucket} by mistake. Can you restore the objects?",
            "we deleted some files from the bucket this morning, is there any way to get them back",
            "Is there a recycle bin for object storage? We removed the wrong folder.",
        ],
        "answer": "Deleted objects can be restored only when versioning was enabled on the "
        "bucket before the delete: then the delete only added a delete marker, and removing it "
        "(`nimbus storage rm --version-id MARKER_ID s3://BUCKET/KEY`, or Show versions in the "
        "console) brings the object back. Without versioning the data is gone and we cannot "
        "recover it. Enable versioning now, and a lifecycle rule that expires old versions "
        "keeps the cost down.",
    },
    {
        "team": "storage",
        "tags": ["bucket", "access"],
        "priority": "normal",
        "repeats": 4,
        "subjects": [
            "AccessDenied on presigned URL",
            "presigned links stop working",
            "Signed URL returns 403",
        ],
        "openings": [
            "Presigned download links we email to customers stop working after a while with "
            "AccessDenied. We set the expiry to 30 days.",
            "presigned url for {bucket} gives 403 Request has expired even though it's new",
            "Our signed URLs are rejected with SignatureDoesNotMatch or AccessDenied at random.",
        ],
        "answer": "A presigned URL is valid for at most 7 days, whatever expiry you ask for, "
        "and no longer than the credentials that signed it: URLs signed with temporary "
        "credentials expire with them. Sign with a long-lived access key for links that must "
        "last a week. 'Request has expired' on a fresh URL means the signing machine's clock "
        "is wrong: check it with `timedatectl`.",
    },
    {
        "team": "storage",
        "tags": ["bucket", "public"],
        "priority": "normal",
        "repeats": 9,
        "subjects": [
            "Bucket objects return AccessDenied",
            "make bucket public for our website",
            "Public bucket policy not working",
        ],
        "openings": [
            "The images in {bucket} need to be public for our website. I added a bucket policy "
            "allowing GetObject for everyone but the URLs still return AccessDenied.",
            "images in my bucket return access denied in the browser, policy says Allow *",
            "How do we share files from {bucket} with anyone who has the link? Everything we "
            "try ends in <Code>AccessDenied</Code>.",
        ],
        "handbook": "kb-bucket-public",
    },
    {
        "team": "storage",
        "tags": ["backup", "snapshot"],
        "priority": "urgent",
        "repeats": 7,
        "subjects": [
            "Backup snapshot stuck at pending 0%",
            "snapshot not progressing",
            "Nightly backup stuck",
        ],
        "openings": [
            "Last night's snapshot of our database volume has been 'pending 0%' for 6 hours. "
            "Tonight's backup will skip the volume while it's in flight. Can you push it?",
            "snapshot stuck at 0 percent since 02:00, backup policy nightly-prod",
            "Our backup job in {region} has not progressed for hours, the snapshot shows "
            "pending 0%. Is that normal?",
        ],
        "handbook": "kb-backup-pending",
    },
    {
        "team": "storage",
        "tags": ["bucket", "lifecycle"],
        "priority": "low",
        "repeats": 6,
        "subjects": [
            "Lifecycle rule not deleting objects",
            "expiry rule does nothing",
            "Old logs still in bucket",
        ],
        "openings": [
            "We set a lifecycle rule on {bucket} to expire objects under logs/ after 30 days. "
            "A week later the bucket is the same size and objects from months ago are still "
            "there. Rule status is Enabled.",
            "old log files are still in the bucket months after the expiry rule",
            "Our lifecycle policy isn't removing anything. Is there a delay or did we set it "
            "up wrong?",
        ],
        "handbook": "kb-lifecycle",
    },
    {
        "team": "storage",
        "tags": ["backup", "dr"],
        "priority": "normal",
        "repeats": 5,
        "subjects": [
            "Copy snapshots to another region",
            "DR: backups in a second region",
            "Cross-region snapshot copies",
        ],
        "openings": [
            "For our DR plan we want nightly snapshots in {region} copied to a second region. "
            "Can the backup policy do that, or do we script it? What does it cost?",
            "we need our backups available in a second region, how?",
            "Is there a way to replicate volume snapshots to another region automatically?",
        ],
        "handbook": "kb-cross-region-copy",
    },
    # --- Billing ---
    {
        "team": "billing",
        "tags": ["invoices"],
        "priority": "low",
        "repeats": 8,
        "subjects": [
            "Change invoice address",
            "wrong company address on invoice",
            "Update billing address and VAT number",
        ],
        "openings": [
            "We moved offices. How do I change the address on our invoices? Invoice {invoice} "
            "also needs the new one.",
            "the invoices still show our old address, where can I change it",
            "Our VAT number and address changed. Can future invoices show the new details?",
        ],
        "handbook": "kb-invoice-address",
    },
    {
        "team": "billing",
        "tags": ["payments", "charge"],
        "priority": "high",
        "repeats": 9,
        "subjects": [
            "Charged twice",
            "double charge on card",
            "Two payments for one invoice",
        ],
        "openings": [
            "Our card was charged twice for invoice {invoice}, {amount} each time. Please refund "
            "one.",
            "charged twice this month?? bank shows two identical payments",
            "We see two card transactions of {amount} for the same invoice. Is this an error?",
        ],
        "answer": "When a payment is retried, the bank may show the first attempt as a "
        "pending charge for 3 to 5 business days before releasing it; only one is taken. If "
        "both show as settled in Billing > Payments, it is a double charge: we refund the "
        "second at once, and the refund reaches the card in 5 to 10 business days.",
        "clarify": "Could you tell us the invoice number and the last four digits of the card, "
        "so we can find both payments?",
        "clarified": "Invoice {invoice}, card ending 4821.",
    },
    {
        "team": "billing",
        "tags": ["payments", "card"],
        "priority": "urgent",
        "repeats": 9,
        "subjects": [
            "Card declined, account restricted",
            "AccountRestricted after card update",
            "invoice not retried on new card",
        ],
        "openings": [
            "Our account was restricted: 'AccountRestricted: outstanding balance'. We updated "
            "the expired card days ago. Why wasn't the invoice paid?",
            "card declined, we changed it but still can't launch instances",
            "Payment failed because the card expired. We added a new one. How do we get the "
            "restriction lifted?",
        ],
        "handbook": "kb-payment-method",
    },
    {
        "team": "billing",
        "tags": ["credits"],
        "priority": "low",
        "repeats": 7,
        "subjects": [
            "Credits not applied",
            "promo code not showing",
            "Startup credits missing",
        ],
        "openings": [
            "We were accepted into the startup program but the credits don't show on our account.",
            "our promo credits aren't being used, the invoice was charged in full",
            "Where do I enter a credit code? The {amount} credit we were promised isn't there.",
        ],
        "handbook": "kb-credits",
    },
    {
        "team": "billing",
        "tags": ["plans"],
        "priority": "normal",
        "repeats": 7,
        "subjects": [
            "Downgrade plan mid-month",
            "refund for plan downgrade?",
            "Switch from Business to Developer support",
        ],
        "openings": [
            "If we downgrade our support plan today, do we get the rest of the month back?",
            "want to drop to the Developer plan. prorated?",
            "We no longer need Business support. How does billing work if we switch now?",
        ],
        "handbook": "kb-refund-policy",
    },
    {
        "team": "billing",
        "tags": ["invoices", "pdf"],
        "priority": "low",
        "repeats": 4,
        "subjects": [
            "Download past invoices",
            "need PDF copies of invoices",
            "Invoices for our accountant",
        ],
        "openings": [
            "Our accountant needs PDF copies of all invoices for last year. Where can I get them?",
            "how do i download old invoices? only see the last 3",
            "Can invoices be sent to our finance mailbox automatically?",
        ],
        "answer": "Billing > Invoices lists every invoice; the filter at the top shows older "
        "years, and each row has a PDF download (Download all makes one zip per year). To "
        "have invoices emailed, add the address under Billing > Account details > Invoice "
        "recipients.",
    },
    {
        "team": "billing",
        "tags": ["charges", "stopped"],
        "priority": "normal",
        "repeats": 5,
        "subjects": [
            "Charged for stopped instances",
            "why am I billed for a stopped VM",
            "Unexpected charges after stopping everything",
        ],
        "openings": [
            "We stopped all our instances two weeks ago but we are still being charged. Why?",
            "invoice shows charges for {id} which has been stopped all month",
            "Stopped instances still cost money? We expected the bill to be near zero.",
        ],
        "answer": "A stopped instance is not billed for compute, but its volumes, snapshots "
        "and reserved IPs are: storage is billed per GB-month whether or not an instance runs, "
        "and a reserved IP is billed hourly while idle. Billing > Usage lists them by "
        "resource; delete or release what you do not need, or terminate the instance to "
        "remove its root volume with it.",
    },
    {
        "team": "billing",
        "tags": ["invoices", "network"],
        "priority": "high",
        "repeats": 8,
        "subjects": [
            "Invoice much higher than usual",
            "huge data transfer charge",
            "Why is our bill 3x normal?",
        ],
        "openings": [
            "This month's invoice is {amount} against our usual third of that. The line 'Data "
            "transfer out' is most of it. We didn't change anything. Is this a billing error?",
            "egress charges are much higher this month, what happened?",
            "Why are we paying so much for network traffic out of {region}? The invoice line "
            "'Data transfer out' doubled.",
        ],
        "handbook": "kb-data-transfer",
    },
]

# Questions asked once: nothing to learn from the others, so the copilot should stay silent.
ONE_OFFS = [
    (
        "compute",
        "GPU availability in sa-east-1?",
        "Do you plan to offer GPU instances in sa-east-1? We'd move our ML workload there.",
        "Not this quarter; GPU types are in "
        "us-east-1, eu-west-2 and ap-northeast-1. I've added your interest to the request we "
        "track for sa-east-1.",
    ),
    (
        "compute",
        "Custom image import fails",
        "Importing our qcow2 image fails at 80% with "
        "ImageImportError: unsupported partition table.",
        "The importer needs an MBR or GPT "
        "disk with a single root partition; your image has LVM on the whole disk. Convert it "
        "with virt-v2v or build the image with a plain root partition.",
    ),
    (
        "compute",
        "Nested virtualisation",
        "Can we run KVM inside an instance for our CI emulators?",
        "Nested virtualisation is available on the m4 and c4 families only; "
        "enable it at launch with --nested-virt.",
    ),
    (
        "compute",
        "Scheduled maintenance email",
        "We got an email about host maintenance on {id}. Will the instance reboot?",
        "Yes, once, in the window named in the email. You can "
        "reboot it yourself before then (Actions > Reboot) to move it to a new host now.",
    ),
    (
        "storage",
        "Bucket name already taken",
        "Trying to create a bucket called 'assets' and "
        "it says BucketAlreadyExists, but we have no such bucket.",
        "Bucket names are global "
        "across all accounts; 'assets' belongs to someone else. Pick a name with your company "
        "prefix, e.g. yourco-assets.",
    ),
    (
        "storage",
        "Storage class for archives",
        "Which storage class should we use for logs we keep 7 years and almost never read?",
        "Archive class: cheapest per GB, retrieval "
        "takes 3 to 5 hours and there's a 180-day minimum. A lifecycle rule can move objects "
        "there after 30 days.",
    ),
    (
        "storage",
        "Encryption keys for volumes",
        "Can we use our own KMS key to encrypt volumes?",
        "Yes: create the key in Security > Keys and choose it when creating the "
        "volume. Existing volumes can be re-encrypted by snapshotting and creating a new volume "
        "with the key.",
    ),
    (
        "billing",
        "Bank transfer instead of card",
        "Can we pay by bank transfer against a purchase order?",
        "Yes, from $1,000 a month: we switch the account to invoicing with "
        "30-day terms once finance approves the form I'm sending.",
    ),
    (
        "billing",
        "Tax exemption certificate",
        "We're a non-profit, how do we get sales tax removed?",
        "Upload the exemption certificate under Billing > Tax settings; it applies "
        "from the next invoice once our team has checked it, usually within two days.",
    ),
    (
        "billing",
        "Spend alerts",
        "How do I get an email when spend goes over a limit?",
        "Billing > Budgets > New budget: set the amount and an alert at, say, 80 % and 100 %; "
        "the alerts go to the billing contacts.",
    ),
    (
        "billing",
        "Currency of invoices",
        "Can we be invoiced in EUR instead of USD?",
        "Yes "
        "for new accounts in the EU; for an existing account we switch it at the start of the "
        "next billing month on request, which I've done for you.",
    ),
]

CUSTOMERS = [
    ("Priya Raman", "priya@lumenworks.example"),
    ("Marcus Bell", "marcus.bell@harborline.example"),
    ("Aiko Tanaka", "aiko@kitsune-labs.example"),
    ("Daniel Okonkwo", "d.okonkwo@fernbridge.example"),
    ("Sofia Marchetti", "sofia@olivetree-studio.example"),
    ("Jonas Lindqvist", "jonas@nordpixel.example"),
    ("Hannah Weiss", "hannah.weiss@brightcart.example"),
    ("Rafael Costa", "rafael@tidewater-apps.example"),
    ("Mei Chen", "mei.chen@quillmetrics.example"),
    ("Oliver Grant", "ops@grantandpike.example"),
    ("Fatima Zahra El Idrissi", "fatima@atlasroute.example"),
    ("Ben Carver", "ben@carverbrewing.example"),
    ("Grace Mwangi", "grace@savannahsoft.example"),
    ("Lukas Novak", "lukas.novak@vltava-data.example"),
    ("Chloé Dubois", "chloe@atelier-nuage.example"),
    ("Arjun Mehta", "arjun@ledgerloop.example"),
    ("Emma Johansson", "emma.j@fjordmetrics.example"),
    ("Kwame Asante", "kwame@goldcoast-labs.example"),
    ("Yuki Sato", "yuki.sato@sakura-retail.example"),
    ("Isabella Rossi", "isabella@pastafresca.example"),
    ("Noah Fischer", "noah@bergwerk-it.example"),
    ("Ana Silva", "ana.silva@maresia.example"),
    ("Tom Becker", "tom@ironleaf-games.example"),
    ("Leila Haddad", "leila@cedarpoint-health.example"),
    ("Pavel Ivanov", "pavel@northwind-devops.example"),
    ("Sara Lindgren", "sara@lingonberry.example"),
    ("Diego Herrera", "diego@andes-logistics.example"),
    ("Nina Petrova", "nina@volga-analytics.example"),
]

ANALYSTS = {
    "compute": ["Sam Okafor", "Tomás Ruiz"],
    "storage": ["Sam Okafor", "Lena Fischer"],
    "billing": ["Lena Fischer"],
}

THANKS = [
    "Thanks, that worked.",
    "That did it, thank you!",
    "Perfect, all good now.",
    "Thanks for the quick answer.",
    "Great, sorted. Thanks a lot.",
]
NUDGES = [
    "Any update on this?",
    "Hi, any news? This is blocking us.",
    "Following up on this, is someone looking at it?",
]
STILL_FAILING = [
    "I tried that but it still fails the same way.",
    "Did that, no change unfortunately.",
]

# What customers said when they rated a resolution on the portal (some leave no comment).
GOOD_COMMENTS = [
    "",
    "",
    "Quick and clear, thanks.",
    "Solved on the first reply.",
    "Exactly the steps we needed.",
    "Friendly and fast.",
]
BAD_COMMENTS = [
    "",
    "Took too long to get a first answer.",
    "The first suggestion didn't work, had to write again.",
    "Fine in the end, but this should be in the docs.",
]
